using System.Buffers;
using System.Net;
using Shoal.Transport;
using Shoal.Wire;

namespace Shoal.Swarm;

/// <summary>
/// Peer exchange (BEP 11, <c>ut_pex</c>), a wire extension of one torrent: tells each peer that speaks it which peers we
/// are connected to (changes only, at most once a minute, with seed/uTP/encryption/reachable flags), and hands the contacts peers tell
/// us to the torrent as <see cref="PeerSource.PeerExchange"/>. Off for private torrents (BEP 27): for a magnet link it
/// waits for the metadata to say the torrent is not private.
/// </summary>
internal sealed class PeerExchange(IExtensionHost host, TimeSpan? interval = null) : IPeerExtension
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMinutes(1);

    private readonly TimeSpan _interval = interval ?? DefaultInterval;
    private readonly Lock _sync = new();
    private readonly Dictionary<IExtensionPeer, PexPeerState> _states = new(ReferenceEqualityComparer.Instance);

    public string Name => PexMessage.ExtensionName;

    public bool IsActive => host.Info is { IsPrivate: false };

    public void OnHandshake(IExtensionPeer peer)
    {
        if (!Speaks(peer)) return;
        lock (_sync) _states.TryAdd(peer, new PexPeerState(host.Time, _interval));
    }

    public void OnMessage(IExtensionPeer peer, ReadOnlySequence<byte> payload)
    {
        IReadOnlyList<PexPeer> learned;
        lock (_sync)
        {
            if (!_states.TryGetValue(peer, out var state))
            {
                // It sent ut_pex without announcing it: track it anyway, so its messages are bounded like anyone's.
                state = new PexPeerState(host.Time, _interval);
                _states[peer] = state;
            }
            learned = payload.IsSingleSegment ? state.Receive(payload.FirstSpan) : state.Receive(payload.ToArray());
        }
        if (learned.Count > 0) host.AddExchangedPeers(learned, peer.RemoteEndPoint.Address);
    }

    public void OnDisconnected(IExtensionPeer peer)
    {
        lock (_sync) _states.Remove(peer);
    }

    /// <summary>Once a second: each peer that is due gets the changes since its last message.</summary>
    public void OnTick()
    {
        if (!IsActive) return;
        var connected = host.ConnectedPeers();
        var contacts = new List<(IExtensionPeer Peer, PexPeer Contact)>(connected.Count);
        foreach (var c in connected)
        {
            if (c.ListenEndPoint is not { } endPoint) continue; // an incoming peer that never told us its port
            contacts.Add((c.Peer, new PexPeer(endPoint, FlagsOf(c))));
        }
        List<(IExtensionPeer Peer, byte[] Payload)> outgoing = [];
        lock (_sync)
        {
            foreach (var c in connected)
            {
                if (!Speaks(c.Peer) || !_states.TryGetValue(c.Peer, out var state)) continue;
                var others = contacts.Where(o => !ReferenceEquals(o.Peer, c.Peer)).Select(o => o.Contact).ToList();
                if (state.NextMessage(others) is { } message) outgoing.Add((c.Peer, message.Encode()));
            }
        }
        foreach (var (peer, payload) in outgoing) peer.SendExtended(Name, payload);
    }

    /// <summary>
    /// BEP 11 flags, as libtorrent writes them: seed; uTP when our connection to it is uTP (so it certainly speaks it);
    /// prefers encryption when it made the MSE handshake with us; reachable when we dialled it.
    /// </summary>
    internal static PexFlags FlagsOf(PeerContact c) =>
        (c.IsSeed ? PexFlags.Seed : PexFlags.None)
        | (c.Transport == TransportKind.Utp ? PexFlags.SupportsUtp : PexFlags.None)
        | (c.IsObfuscated ? PexFlags.PrefersEncryption : PexFlags.None)
        | (c.IsIncoming ? PexFlags.None : PexFlags.Reachable);

    private bool Speaks(IExtensionPeer peer) => peer.RemoteExtensions?.Extensions.GetValueOrDefault(Name) is > 0;
}
