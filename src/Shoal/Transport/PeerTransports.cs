using System.Net;

namespace Shoal.Transport;

/// <summary>
/// What an engine reaches peers with, put together in one place (the composition root, as MonoTorrent's Factories):
/// one dialer (a composite when several transports dial), the listeners (one port can serve TCP and uTP), and the
/// upgrade stage every connection passes through before the BitTorrent handshake (MSE/PE, or plaintext). The swarm
/// sees only <see cref="TransportConnection"/>s, so a new transport or an encryption stage plugs in here and nowhere else.
/// </summary>
public sealed class PeerTransports : IAsyncDisposable
{
    public PeerTransports(IPeerDialer dialer, IReadOnlyList<IPeerListener> listeners, IConnectionUpgrade? upgrade = null)
    {
        ArgumentNullException.ThrowIfNull(dialer);
        ArgumentNullException.ThrowIfNull(listeners);
        if (listeners.Count == 0) throw new ArgumentException("at least one listener is needed (its port is the one announced)", nameof(listeners));
        Dialer = dialer;
        Listeners = listeners;
        Upgrade = upgrade ?? PlaintextUpgrade.Instance;
    }

    public IPeerDialer Dialer { get; }

    /// <summary>The listeners; the first one's port is the one announced to trackers and peers.</summary>
    public IReadOnlyList<IPeerListener> Listeners { get; }

    public IConnectionUpgrade Upgrade { get; }

    public IPEndPoint ListenEndPoint => Listeners[0].LocalEndPoint;

    /// <summary>Plain TCP: a listener bound to <paramref name="address"/>:<paramref name="port"/> and a TCP dialer.</summary>
    public static PeerTransports Tcp(IPAddress address, int port) => new(TcpPeerDialer.Instance, [TcpPeerListener.Bind(address, port)]);

    public async ValueTask DisposeAsync()
    {
        foreach (var listener in Listeners) await listener.DisposeAsync().ConfigureAwait(false);
    }
}
