using System.Net;
using System.Net.Sockets;

namespace Shoal.Discovery.Dht;

internal enum LookupKind : byte
{
    FindNode,
    GetPeers,
    /// <summary>get_peers, then announce_peer to the closest nodes that gave a token.</summary>
    Announce,
}

internal enum CandidateState : byte
{
    New,
    InFlight,
    /// <summary>Queried, no answer within the soft timeout: no longer holds a slot, but a late answer still counts.</summary>
    Slow,
    Responded,
    Failed,
}

/// <summary>A node a lookup knows of, ordered by distance to the target; routers we know by address only come last.</summary>
internal sealed class Candidate(NodeId id, bool idKnown, IPEndPoint endPoint)
{
    public NodeId Id { get; set; } = id;

    public bool IdKnown { get; set; } = idKnown;

    public IPEndPoint EndPoint { get; } = endPoint;

    public CandidateState State { get; set; }

    public byte[]? Token { get; set; }

    public bool Conforming { get; set; }
}

/// <summary>
/// One iterative lookup (BEP 5, Kademlia): queries the closest known candidates, α at a time, adds the nodes they
/// return, and stops once the <see cref="RoutingTable.K"/> closest candidates still in the running have all answered
/// (or none is left to ask). get_peers lookups hand out the peers they meet; announce lookups then send announce_peer
/// to the K closest answering nodes that gave a token, BEP 42 conforming ones first.
/// Not thread-safe: the owning <see cref="DhtNode"/> calls it under its lock.
/// </summary>
internal sealed class Lookup : IQueryOwner
{
    private const int MaxCandidates = 128;
    private const int MaxKnownEndPoints = 4096;

    private readonly DhtNode _node;
    private readonly List<Candidate> _candidates = [];
    private readonly HashSet<IPEndPoint> _knownEndPoints = [];
    private readonly HashSet<NodeId> _knownIds = [];
    private readonly HashSet<IPEndPoint> _peers = [];
    private readonly Action<IPEndPoint>? _onPeer;
    private readonly Action<Lookup>? _onDone;
    private readonly int _alpha;
    private readonly int _maxPeers;
    private int _active;
    private int _announcesPending;
    private bool _searching = true;

    public Lookup(DhtNode node, LookupKind kind, NodeId target, AddressFamily family, int alpha, int maxPeers,
        Action<IPEndPoint>? onPeer, Action<Lookup>? onDone, long now)
    {
        _node = node;
        Kind = kind;
        Target = target;
        Family = family;
        _alpha = alpha;
        _maxPeers = maxPeers;
        _onPeer = onPeer;
        _onDone = onDone;
        StartedAt = now;
    }

    public LookupKind Kind { get; }

    public NodeId Target { get; }

    public AddressFamily Family { get; }

    /// <summary>For announces: the port to announce, and whether the receiver should take our UDP source port instead.</summary>
    public int AnnouncePort { get; init; }

    public bool ImpliedPort { get; init; }

    public bool Seed { get; init; }

    public bool IsDone { get; private set; }

    public long StartedAt { get; }

    public long FinishedAt { get; private set; }

    public int QueriesSent { get; private set; }

    public int Responses { get; private set; }

    public int Timeouts { get; private set; }

    public int AnnouncedTo { get; private set; }

    /// <summary>When the K closest answering nodes last changed: from then on the result was final (the rest is waiting for stragglers).</summary>
    public long ConvergedAt { get; private set; }

    public int PeersFound => _peers.Count;

    /// <summary>Adds a starting candidate: a node from our table, or (with no id) a router or saved node.</summary>
    public void AddSeed(NodeContact contact) => Add(contact.Id, true, contact.EndPoint);

    public void AddRouter(IPEndPoint endPoint) => Add(default, false, endPoint);

    /// <summary>Hands out a peer found outside the lookup (our own store), with the same de-duplication.</summary>
    public void OfferPeer(IPEndPoint peer)
    {
        // An announce meets our own announce of earlier rounds: that is not a peer (and would look like a fruitful round).
        if (Kind == LookupKind.Announce && _node.IsOurOwnAnnounce(peer, AnnouncePort)) return;
        if (_peers.Count < _maxPeers && _peers.Add(peer)) _onPeer?.Invoke(peer);
    }

    /// <summary>The up to K closest nodes that answered, closest first.</summary>
    public List<NodeContact> Closest()
    {
        var result = new List<NodeContact>(RoutingTable.K);
        foreach (var c in _candidates)
        {
            if (c.State != CandidateState.Responded) continue;
            result.Add(new NodeContact(c.Id, c.EndPoint));
            if (result.Count == RoutingTable.K) break;
        }
        return result;
    }

    /// <summary>Sends what can be sent; finishes the search when nothing is left to wait for.</summary>
    public void Pump(long now)
    {
        if (IsDone) return;
        if (!_searching)
        {
            if (_announcesPending == 0) Finish(now);
            return;
        }
        int responded = 0;
        bool slowInReach = false;
        foreach (var c in _candidates)
        {
            if (responded >= RoutingTable.K) break;
            switch (c.State)
            {
                case CandidateState.Responded:
                    responded++;
                    break;
                case CandidateState.Slow:
                    slowInReach = true;
                    break;
                case CandidateState.New when _active < _alpha:
                    if (!_node.SendLookupQuery(this, c, now))
                    {
                        _node.WaitForQuerySlot(this);
                        return;
                    }
                    c.State = CandidateState.InFlight;
                    _active++;
                    QueriesSent++;
                    break;
            }
        }
        // Done when nothing is in flight and no slow node closer than the K-th answer may still answer: slow nodes
        // free their slot, but the result waits for those among the closest (until their hard timeout).
        if (_active == 0 && !slowInReach) EndSearch(now);
    }

    public void OnResponse(PendingQuery query, KrpcMessage response, long now)
    {
        if (IsDone || query.Tag is not Candidate c) return;
        if (query.Method == KrpcMethod.AnnouncePeer)
        {
            AnnouncedTo++;
            AnnounceFinished(now);
            return;
        }
        if (!_searching) return;
        if (c.State == CandidateState.InFlight) _active--;
        Responses++;
        c.State = CandidateState.Responded;
        c.Conforming = SecureNodeId.IsConforming(response.Id, c.EndPoint.Address);
        c.Token = response.Token;
        if (!c.IdKnown || c.Id != response.Id) Reposition(c, response.Id);
        if (RankAmongResponded(c) < RoutingTable.K) ConvergedAt = now;
        var nodes = Family == AddressFamily.InterNetwork ? response.Nodes : response.Nodes6;
        foreach (var node in nodes ?? []) Add(node.Id, true, node.EndPoint);
        if (Kind != LookupKind.FindNode)
            foreach (var peer in response.Values ?? []) OfferPeer(peer);
        Pump(now);
    }

    public void OnError(PendingQuery query, KrpcMessage error, long now) => Failed(query, now, timedOut: false);

    public void OnTimeout(PendingQuery query, long now) => Failed(query, now, timedOut: true);

    public void OnSlow(PendingQuery query, long now)
    {
        if (IsDone || !_searching || query.Tag is not Candidate { State: CandidateState.InFlight } c) return;
        c.State = CandidateState.Slow;
        _active--;
        Pump(now);
    }

    /// <summary>Ends the lookup early (cancelled or the node stops); late answers are ignored.</summary>
    public void Cancel(long now)
    {
        if (!IsDone) Finish(now);
    }

    private void Failed(PendingQuery query, long now, bool timedOut)
    {
        if (IsDone || query.Tag is not Candidate c) return;
        if (timedOut) Timeouts++;
        if (query.Method == KrpcMethod.AnnouncePeer)
        {
            AnnounceFinished(now);
            return;
        }
        if (!_searching) return;
        if (c.State == CandidateState.InFlight) _active--;
        c.State = CandidateState.Failed;
        Pump(now);
    }

    private void Add(NodeId id, bool idKnown, IPEndPoint endPoint)
    {
        if (idKnown && (id == _node.Id || _knownIds.Contains(id))) return;
        if (_knownEndPoints.Count >= MaxKnownEndPoints || !_knownEndPoints.Add(endPoint)) return;
        if (CompactInfo.FamilyOf(endPoint) != Family) return;
        if (idKnown) _knownIds.Add(id);
        var candidate = new Candidate(id, idKnown, endPoint);
        int at = idKnown ? InsertionPoint(id) : _candidates.Count;
        if (at >= MaxCandidates) return;
        _candidates.Insert(at, candidate);
        if (_candidates.Count > MaxCandidates) _candidates.RemoveAt(_candidates.Count - 1);
    }

    private int RankAmongResponded(Candidate c)
    {
        int rank = 0;
        foreach (var other in _candidates)
        {
            if (other == c) return rank;
            if (other.State == CandidateState.Responded && ++rank >= RoutingTable.K) return rank;
        }
        return rank;
    }

    private void Reposition(Candidate c, NodeId id)
    {
        _candidates.Remove(c);
        c.Id = id;
        c.IdKnown = true;
        _knownIds.Add(id);
        _candidates.Insert(InsertionPoint(id), c);
    }

    /// <summary>Where a node with this id goes: after every closer known node, before the routers.</summary>
    private int InsertionPoint(NodeId id)
    {
        int low = 0, high = _candidates.Count;
        while (high > 0 && !_candidates[high - 1].IdKnown) high--;
        while (low < high)
        {
            int mid = (low + high) / 2;
            if (NodeId.CompareDistance(Target, _candidates[mid].Id, id) < 0) low = mid + 1;
            else high = mid;
        }
        return low;
    }

    private void EndSearch(long now)
    {
        _searching = false;
        if (Kind == LookupKind.Announce)
        {
            foreach (var target in AnnounceTargets())
            {
                if (!_node.SendAnnounce(this, target, now)) break;
                _announcesPending++;
            }
        }
        if (_announcesPending == 0) Finish(now);
    }

    /// <summary>The K closest answering nodes with a token, BEP 42 conforming ones first (then the rest, closest first).</summary>
    private List<Candidate> AnnounceTargets()
    {
        var withToken = _candidates.Where(c => c.State == CandidateState.Responded && c.Token is not null).ToList();
        return [.. withToken.Where(c => c.Conforming).Concat(withToken.Where(c => !c.Conforming)).Take(RoutingTable.K)];
    }

    private void AnnounceFinished(long now)
    {
        if (--_announcesPending == 0) Finish(now);
    }

    private void Finish(long now)
    {
        IsDone = true;
        FinishedAt = now;
        _onDone?.Invoke(this);
    }
}
