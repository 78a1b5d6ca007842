using System.Collections.Concurrent;
using System.Net;

namespace Shoal.Transport;

/// <summary>
/// Dials with a preferred transport and falls back to another when it fails: uTP first, then TCP, as libtorrent does.
/// A peer whose preferred dial failed is remembered (a bounded set), so the next dial to it goes straight to the
/// fallback instead of waiting out the preferred transport's timeout again.
/// </summary>
public sealed class FallbackPeerDialer(IPeerDialer preferred, IPeerDialer fallback, int memory = 4096) : IPeerDialer
{
    private readonly ConcurrentDictionary<IPEndPoint, byte> _preferredFailed = new();

    public async Task<TransportConnection> DialAsync(IPEndPoint endPoint, CancellationToken ct)
    {
        if (!_preferredFailed.ContainsKey(endPoint))
        {
            try
            {
                return await preferred.DialAsync(endPoint, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException && !ct.IsCancellationRequested)
            {
                if (_preferredFailed.Count >= memory) _preferredFailed.Clear(); // bounded: forget all rather than grow
                _preferredFailed.TryAdd(endPoint, 0);
            }
        }
        return await fallback.DialAsync(endPoint, ct).ConfigureAwait(false);
    }
}
