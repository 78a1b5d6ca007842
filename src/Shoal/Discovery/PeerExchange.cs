using System.Buffers;
using Shoal.Swarm;
using Shoal.Wire;

namespace Shoal.Discovery;

/// <summary>
/// Peer exchange (BEP 11, <c>ut_pex</c>) for one torrent: tells each peer that speaks it which peers we are connected
/// to (changes only, at most once a minute, with seed/reachable flags), and feeds the contacts peers tell us to the
/// session as <see cref="PeerSource.PeerExchange"/>. Never registered for private torrents (BEP 27).
/// </summary>
internal sealed class PeerExchange : IPeerExtension
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMinutes(1);

    private readonly TorrentSession _session;
    private readonly TimeSpan _interval;
    private readonly Lock _sync = new();
    private readonly Dictionary<PeerConnection, PexPeerState> _states = [];

    public PeerExchange(TorrentSession session, TimeSpan? interval = null)
    {
        if (session.Info.IsPrivate) throw new InvalidOperationException("peer exchange is not allowed for a private torrent");
        _session = session;
        _interval = interval ?? DefaultInterval;
    }

    public string Name => PexMessage.ExtensionName;

    public void OnHandshake(PeerConnection peer)
    {
        if (RemoteId(peer) == 0) return;
        lock (_sync) _states.TryAdd(peer, new PexPeerState(_session.Time, _interval));
    }

    public void OnMessage(PeerConnection peer, ReadOnlySequence<byte> payload)
    {
        IReadOnlyList<System.Net.IPEndPoint> learned;
        lock (_sync)
        {
            if (!_states.TryGetValue(peer, out var state))
            {
                // It sent ut_pex without announcing it: track it anyway, so its messages are bounded like anyone's.
                state = new PexPeerState(_session.Time, _interval);
                _states[peer] = state;
            }
            learned = payload.IsSingleSegment ? state.Receive(payload.FirstSpan) : state.Receive(payload.ToArray());
        }
        if (learned.Count > 0) _session.AddPeers(learned, PeerSource.PeerExchange);
    }

    public void OnDisconnected(PeerConnection peer)
    {
        lock (_sync) _states.Remove(peer);
    }

    /// <summary>Once a second: each peer that is due gets the changes since its last message.</summary>
    public void OnTick()
    {
        var snapshot = _session.SnapshotPeers();
        var contacts = new List<(PeerConnection Peer, PexPeer Contact)>(snapshot.Count);
        foreach (var s in snapshot)
        {
            if (s.ListenEndPoint is not { } endPoint) continue; // an incoming peer that never told us its port
            var flags = (s.IsSeed ? PexFlags.Seed : PexFlags.None) | (s.IsIncoming ? PexFlags.None : PexFlags.Reachable);
            contacts.Add((s.Peer, new PexPeer(endPoint, flags)));
        }
        List<(PeerConnection Peer, byte Id, byte[] Payload)> outgoing = [];
        lock (_sync)
        {
            foreach (var s in snapshot)
            {
                byte id = RemoteId(s.Peer);
                if (id == 0 || !_states.TryGetValue(s.Peer, out var state)) continue;
                var others = contacts.Where(c => !ReferenceEquals(c.Peer, s.Peer)).Select(c => c.Contact).ToList();
                if (state.NextMessage(others) is { } message) outgoing.Add((s.Peer, id, message.Encode()));
            }
        }
        foreach (var (peer, id, payload) in outgoing) peer.Enqueue(new Outgoing(MessageId.Extended, Index: id, Payload: payload));
    }

    private byte RemoteId(PeerConnection peer) => peer.Extensions?.Extensions.GetValueOrDefault(Name) ?? 0;
}
