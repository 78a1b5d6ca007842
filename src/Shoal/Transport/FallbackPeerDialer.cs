using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Shoal.Transport;

/// <summary>
/// Dials with a preferred transport and falls back to another: uTP first, then TCP, as libtorrent prefers uTP. The
/// fallback does not wait for the preferred dial to time out: it starts after <c>headStart</c> (or at once when the
/// preferred one fails) and the first connection made wins, the other is closed ("happy eyeballs"). A peer whose
/// preferred dial lost is remembered (a bounded set), so the next dial to it goes straight to the fallback. A dial
/// hinted to start with the fallback's transport (a PEX peer not flagged as speaking uTP) runs the same race the
/// other way round.
/// </summary>
public sealed class FallbackPeerDialer : IPeerDialer
{
    private readonly IPeerDialer _preferred;
    private readonly IPeerDialer _fallback;
    private readonly TimeSpan _headStart;
    private readonly TimeProvider _time;
    private readonly int _memory;
    private readonly ConcurrentDictionary<IPEndPoint, byte> _preferredLost = new();
    private readonly TransportKind _fallbackKind;

    /// <param name="fallbackKind">The fallback's transport: a dial hinted to start with it races fallback first.</param>
    public FallbackPeerDialer(IPeerDialer preferred, IPeerDialer fallback, TimeSpan headStart, TimeProvider? time = null, int memory = 4096,
        TransportKind fallbackKind = TransportKind.Tcp)
    {
        _fallbackKind = fallbackKind;
        _preferred = preferred ?? throw new ArgumentNullException(nameof(preferred));
        _fallback = fallback ?? throw new ArgumentNullException(nameof(fallback));
        _headStart = headStart;
        _time = time ?? TimeProvider.System;
        _memory = memory;
    }

    /// <summary>How long the preferred transport has alone (uTP answers within a round trip; a peer without it never does).</summary>
    public static readonly TimeSpan DefaultHeadStart = TimeSpan.FromSeconds(1);

    public Task<TransportConnection> DialAsync(IPEndPoint endPoint, CancellationToken ct) => DialAsync(endPoint, null, ct);

    public async Task<TransportConnection> DialAsync(IPEndPoint endPoint, TransportKind? first, CancellationToken ct)
    {
        if (_preferredLost.ContainsKey(endPoint)) return await _fallback.DialAsync(endPoint, ct).ConfigureAwait(false);
        if (first == _fallbackKind) return (await RaceAsync(_fallback, _preferred, endPoint, ct).ConfigureAwait(false)).Connection;
        var (connection, preferredWon) = await RaceAsync(_preferred, _fallback, endPoint, ct).ConfigureAwait(false);
        if (!preferredWon) Remember(endPoint);
        return connection;
    }

    /// <summary><paramref name="firstDialer"/> alone for the head start, then both; the first connection made wins.</summary>
    private async Task<(TransportConnection Connection, bool FirstWon)> RaceAsync(IPeerDialer firstDialer, IPeerDialer secondDialer, IPEndPoint endPoint,
        CancellationToken ct)
    {
        using var firstCancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var firstDial = firstDialer.DialAsync(endPoint, firstCancel.Token);
        var headStart = Task.Delay(_headStart, _time, ct);
        await Task.WhenAny(firstDial, headStart).ConfigureAwait(false);
        if (firstDial.IsCompletedSuccessfully) return (firstDial.Result, true);
        ct.ThrowIfCancellationRequested();

        using var secondCancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var secondDial = secondDialer.DialAsync(endPoint, secondCancel.Token);
        var done = await Task.WhenAny(firstDial, secondDial).ConfigureAwait(false);
        if (done == firstDial ? firstDial.IsCompletedSuccessfully : !secondDial.IsCompletedSuccessfully)
        {
            // The first connected first, or the second failed (no listener there): the first decides.
            await secondCancel.CancelAsync().ConfigureAwait(false);
            DisposeWhenDone(secondDial);
            return (await firstDial.ConfigureAwait(false), true);
        }
        // The second connected first, or the first failed: the second decides.
        await firstCancel.CancelAsync().ConfigureAwait(false);
        DisposeWhenDone(firstDial);
        return (await secondDial.ConfigureAwait(false), false);
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
