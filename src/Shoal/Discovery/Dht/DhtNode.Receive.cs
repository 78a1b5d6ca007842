using System.Net;

namespace Shoal.Discovery.Dht;

public sealed partial class DhtNode
{
    /// <summary>Strangers being pinged before they may enter the table, at most this many at once.</summary>
    private const int MaxVerifying = 32;

    private readonly HashSet<IPEndPoint> _verifying = [];
    private Counters _counters;

    /// <summary>
    /// Claims every datagram that starts with 'd' (a bencoded dictionary: KRPC); uTP headers never do. Parsing happens
    /// before the lock is taken, and whatever the handling wants sent leaves after it is released.
    /// </summary>
    public bool TryHandle(ReadOnlySpan<byte> datagram, IPEndPoint from)
    {
        if (datagram.IsEmpty || datagram[0] != (byte)'d') return false;
        var status = KrpcParser.TryParse(datagram, out var message);
        from = Normalize(from);
        lock (_gate)
        {
            if (_disposed) return true;
            if (from.Port == 0 || status == KrpcParseStatus.Dropped) _counters.Dropped++;
            else if (status == KrpcParseStatus.InvalidQuery) OnInvalidQuery(message!, from, Now);
            else if (message!.Kind == KrpcKind.Query) OnQuery(message, from, datagram.Length, Now);
            else OnAnswer(message, from, Now);
        }
        Flush();
        return true;
    }

    /// <summary>A response or error: matched to the query it answers (same transaction id, same endpoint) or dropped.</summary>
    private void OnAnswer(KrpcMessage message, IPEndPoint from, long now)
    {
        var query = _transactions.Complete(message.TransactionId, from);
        if (query is null)
        {
            _counters.Dropped++;
            return;
        }
        if (message.RequesterEndPoint is { } seenAs) OnAddressVote(from, seenAs, now);
        if (message.Kind == KrpcKind.Response)
        {
            _counters.ResponsesReceived++;
            if (TableFor(from) is { } table)
            {
                ForgetIfIdChanged(table, from, message.Id);
                bool wasEmpty = table.Count == 0;
                table.AddResponding(message.Id, from, SecureNodeId.IsConforming(message.Id, from.Address), now, out var toPing);
                if (wasEmpty && table.Count > 0) RetryStrandedAnnouncements(now);
                if (toPing is not null && now - toPing.LastQueried >= Milliseconds(_options.QueryTimeout)) Ping(toPing.EndPoint, now);
            }
            if (message.Nodes6 is { } nodes6 && _v6 is { Count: < RoutingTable.K }) VerifySome(nodes6, now);
            query.Owner?.OnResponse(query, message, now);
        }
        else query.Owner?.OnError(query, message, now);
        ResumeWaiting(now);
    }

    private void OnQuery(KrpcMessage query, IPEndPoint from, int length, long now)
    {
        _counters.QueriesReceived++;
        if (_options.ReadOnly || query.Id == Id) return; // BEP 43: a read-only node answers nothing; our own id: a reflection
        if (!_limiter.TryAcquire(from.Address, now))
        {
            _counters.RateLimited++;
            return;
        }
        var table = TableFor(from);
        var known = table?.Find(from);
        bool verified = known is not null && known.Id == query.Id && known.LastResponse != DhtContact.Never;
        Answer(query, from, length, verified, now);
        if (table is null || query.ReadOnly) return; // BEP 43: read-only nodes never enter the table
        if (known is not null && known.Id == query.Id) table.RecordQueryFrom(known, now);
        else
        {
            ForgetIfIdChanged(table, from, query.Id);
            if (table.WouldAccept(query.Id, now)) Verify(from, now);
        }
    }

    private void OnInvalidQuery(KrpcMessage query, IPEndPoint from, long now)
    {
        _counters.Dropped++;
        if (_options.ReadOnly || !_limiter.TryAcquire(from.Address, now)) return;
        SendError(query, from, KrpcMessage.ProtocolError, "invalid arguments");
    }

    /// <summary>A node that now uses another id than the one we have for its endpoint is a new node: the old entry goes.</summary>
    private static void ForgetIfIdChanged(RoutingTable table, IPEndPoint from, NodeId id)
    {
        if (table.Find(from) is { } known && known.Id != id) table.Remove(known);
    }

    /// <summary>Pings a stranger that queried us (or that we were told about): it enters the table only if it answers.</summary>
    private void Verify(IPEndPoint endPoint, long now)
    {
        if (_verifying.Count >= MaxVerifying || !_verifying.Add(endPoint)) return;
        if (Ping(endPoint, now) is null) _verifying.Remove(endPoint);
    }

    private void VerifySome(IReadOnlyList<NodeContact> nodes, long now)
    {
        foreach (var node in nodes)
        {
            if (_v6!.Find(node.EndPoint) is null && _v6.WouldAccept(node.Id, now)) Verify(node.EndPoint, now);
            if (_verifying.Count >= MaxVerifying) return;
        }
    }

    private PendingQuery? Ping(IPEndPoint endPoint, long now) => SendQuery(endPoint, KrpcMethod.Ping, default, _pinger, null, now);

    /// <summary>BEP 42: when enough nodes agree on our external address and our id does not fit it, take one that does.</summary>
    private void OnAddressVote(IPEndPoint voter, IPEndPoint seenAs, long now)
    {
        if (!_votes.Vote(voter.Address, seenAs.Address)) return;
        var external = _votes.Winner!;
        if (SecureNodeId.IsConforming(Id, external)) return;
        ChangeId(SecureNodeId.Generate(external, _random), now);
    }

    /// <summary>Takes a new id: the tables are rebuilt around it (every contact kept where it still fits).</summary>
    private void ChangeId(NodeId id, long now)
    {
        Id = id;
        if (_v4 is not null) _v4 = RoutingTable.Rebuild(_v4, id, now);
        if (_v6 is not null) _v6 = RoutingTable.Rebuild(_v6, id, now);
    }

    /// <summary>Query timeouts: a silent node counts a failure in the table; lookups move on.</summary>
    private void OnQueryTimer()
    {
        lock (_gate)
        {
            if (_disposed) return;
            long now = Now;
            _armedFor = long.MaxValue;
            var slow = new List<PendingQuery>();
            var timedOut = new List<PendingQuery>();
            _transactions.Expire(now, slow, timedOut);
            foreach (var query in timedOut)
            {
                _counters.Timeouts++;
                if (TableFor(query.To)?.Find(query.To) is { } contact) TableFor(query.To)!.RecordFailure(contact, now);
                query.Owner?.OnTimeout(query, now);
            }
            foreach (var query in slow) query.Owner?.OnSlow(query, now);
            ResumeWaiting(now);
            ArmQueryTimer(now);
        }
        Flush();
    }

    private void ArmQueryTimer(long now)
    {
        long next = _transactions.NextDeadline;
        if (next == long.MaxValue || next >= _armedFor) return;
        _armedFor = next;
        _queryTimer.Change(TimeSpan.FromMilliseconds(Math.Max(1, next - now)), Timeout.InfiniteTimeSpan);
    }

    /// <summary>Pings of strangers and of questionable entries: the table learns from the answer (see <see cref="OnAnswer"/>).</summary>
    private sealed class Pinger(DhtNode node) : IQueryOwner
    {
        public void OnResponse(PendingQuery query, KrpcMessage response, long now) => node._verifying.Remove(query.To);

        public void OnError(PendingQuery query, KrpcMessage error, long now) => node._verifying.Remove(query.To);

        public void OnSlow(PendingQuery query, long now) { }

        public void OnTimeout(PendingQuery query, long now) => node._verifying.Remove(query.To);
    }

    private struct Counters
    {
        public long QueriesReceived, PingsAnswered, FindNodesAnswered, GetPeersAnswered, AnnouncesAccepted, RateLimited, Dropped;
        public long QueriesSent, ResponsesReceived, Timeouts;
    }
}
