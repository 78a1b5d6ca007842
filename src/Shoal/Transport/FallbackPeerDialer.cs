using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Shoal.Transport;

/// <summary>
/// Dials with a preferred transport and falls back to another: uTP first, then TCP, as libtorrent prefers uTP. The
/// fallback does not wait for the preferred dial to time out: it starts after <c>headStart</c> (or at once when the
/// preferred one fails) and the first connection made wins, the other is closed ("happy eyeballs"). A peer whose
/// preferred dial lost is remembered (a bounded set), so the next dial to it goes straight to the fallback.
/// </summary>
public sealed class FallbackPeerDialer : IPeerDialer
{
    private readonly IPeerDialer _preferred;
    private readonly IPeerDialer _fallback;
    private readonly TimeSpan _headStart;
    private readonly TimeProvider _time;
    private readonly int _memory;
    private readonly ConcurrentDictionary<IPEndPoint, byte> _preferredLost = new();

    public FallbackPeerDialer(IPeerDialer preferred, IPeerDialer fallback, TimeSpan headStart, TimeProvider? time = null, int memory = 4096)
    {
        _preferred = preferred ?? throw new ArgumentNullException(nameof(preferred));
        _fallback = fallback ?? throw new ArgumentNullException(nameof(fallback));
        _headStart = headStart;
        _time = time ?? TimeProvider.System;
        _memory = memory;
    }

    /// <summary>How long the preferred transport has alone (uTP answers within a round trip; a peer without it never does).</summary>
    public static readonly TimeSpan DefaultHeadStart = TimeSpan.FromSeconds(1);

    public async Task<TransportConnection> DialAsync(IPEndPoint endPoint, CancellationToken ct)
    {
        if (_preferredLost.ContainsKey(endPoint)) return await _fallback.DialAsync(endPoint, ct).ConfigureAwait(false);

        using var preferredCancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var preferred = _preferred.DialAsync(endPoint, preferredCancel.Token);
        var headStart = Task.Delay(_headStart, _time, ct);
        await Task.WhenAny(preferred, headStart).ConfigureAwait(false);
        if (preferred.IsCompletedSuccessfully) return preferred.Result;
        ct.ThrowIfCancellationRequested();

        using var fallbackCancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var fallback = _fallback.DialAsync(endPoint, fallbackCancel.Token);
        var first = await Task.WhenAny(preferred, fallback).ConfigureAwait(false);
        if (first == preferred && preferred.IsCompletedSuccessfully)
        {
            await fallbackCancel.CancelAsync().ConfigureAwait(false);
            DisposeWhenDone(fallback);
            return preferred.Result;
        }
        // The fallback answered first, or the preferred dial failed: the fallback's result decides.
        Remember(endPoint);
        await preferredCancel.CancelAsync().ConfigureAwait(false);
        DisposeWhenDone(preferred);
        return await fallback.ConfigureAwait(false);
    }

    private void Remember(IPEndPoint endPoint)
    {
        if (_preferredLost.Count >= _memory) _preferredLost.Clear(); // bounded: forget all rather than grow
        _preferredLost.TryAdd(endPoint, 0);
    }

    /// <summary>A losing dial that still connects is closed, never leaked.</summary>
    private static void DisposeWhenDone(Task<TransportConnection> dial) =>
        _ = dial.ContinueWith(static t =>
        {
            if (t.IsCompletedSuccessfully) _ = t.Result.DisposeAsync().AsTask();
            _ = t.Exception; // observed: a failed losing dial is expected
        }, TaskScheduler.Default);
}
