using System.Buffers.Binary;
using System.Net;

namespace Shoal.Discovery.Dht;

/// <summary>Whoever sent a query and wants its outcome: a lookup, an announce, a ping.</summary>
internal interface IQueryOwner
{
    void OnResponse(PendingQuery query, KrpcMessage response, long now);

    /// <summary>The node answered with a KRPC error: it is alive, but the query failed.</summary>
    void OnError(PendingQuery query, KrpcMessage error, long now);

    /// <summary>No answer within the soft timeout; one may still come until the hard timeout.</summary>
    void OnSlow(PendingQuery query, long now);

    void OnTimeout(PendingQuery query, long now);
}

/// <summary>A query awaiting its answer.</summary>
internal sealed class PendingQuery(ushort transactionId, IPEndPoint to, KrpcMethod method, IQueryOwner? owner, object? tag, long sentAt)
{
    public ushort TransactionId { get; } = transactionId;

    public IPEndPoint To { get; } = to;

    public KrpcMethod Method { get; } = method;

    public IQueryOwner? Owner { get; } = owner;

    /// <summary>The owner's own note (a lookup's candidate).</summary>
    public object? Tag { get; } = tag;

    public long SentAt { get; } = sentAt;

    public bool Slow { get; set; }

    public bool Finished { get; set; }
}

/// <summary>
/// The queries in flight, by 2-byte transaction id. An answer is accepted only from the endpoint the query went to, so a
/// guessed id from elsewhere changes nothing. Deadlines sit in a priority queue; finished queries are skipped lazily.
/// </summary>
internal sealed class Transactions(int capacity, long softTimeout, long hardTimeout, Random random)
{
    private readonly Dictionary<ushort, PendingQuery> _pending = [];
    private readonly PriorityQueue<PendingQuery, long> _deadlines = new();
    private ushort _next = (ushort)random.Next(ushort.MaxValue + 1);

    public int Count => _pending.Count;

    public bool HasRoom => _pending.Count < capacity;

    /// <summary>Opens a transaction, or returns null when <c>capacity</c> queries are already in flight.</summary>
    public PendingQuery? Open(IPEndPoint to, KrpcMethod method, IQueryOwner? owner, object? tag, long now)
    {
        if (!HasRoom) return null;
        while (_pending.ContainsKey(_next)) _next++;
        var query = new PendingQuery(_next++, to, method, owner, tag, now);
        _pending.Add(query.TransactionId, query);
        _deadlines.Enqueue(query, now + softTimeout);
        return query;
    }

    public static void WriteId(ushort transactionId, Span<byte> destination) => BinaryPrimitives.WriteUInt16BigEndian(destination, transactionId);

    /// <summary>The query this answer belongs to, removed from the table; null for an unknown id or a different sender.</summary>
    public PendingQuery? Complete(ReadOnlySpan<byte> transactionId, IPEndPoint from)
    {
        if (transactionId.Length != 2) return null;
        ushort id = BinaryPrimitives.ReadUInt16BigEndian(transactionId);
        if (!_pending.TryGetValue(id, out var query) || !query.To.Equals(from)) return null;
        _pending.Remove(id);
        query.Finished = true;
        return query;
    }

    /// <summary>When the next deadline falls (long.MaxValue when nothing is in flight).</summary>
    public long NextDeadline
    {
        get
        {
            while (_deadlines.TryPeek(out var query, out long deadline))
            {
                if (!query.Finished) return deadline;
                _deadlines.Dequeue();
            }
            return long.MaxValue;
        }
    }

    /// <summary>Collects the queries that turned slow and those that timed out (and closes the latter).</summary>
    public void Expire(long now, List<PendingQuery> turnedSlow, List<PendingQuery> timedOut)
    {
        while (_deadlines.TryPeek(out var query, out long deadline) && deadline <= now)
        {
            _deadlines.Dequeue();
            if (query.Finished) continue;
            if (now - query.SentAt >= hardTimeout)
            {
                _pending.Remove(query.TransactionId);
                query.Finished = true;
                timedOut.Add(query);
            }
            else
            {
                query.Slow = true;
                turnedSlow.Add(query);
                _deadlines.Enqueue(query, query.SentAt + hardTimeout);
            }
        }
    }

    /// <summary>Ends everything in flight (the node is stopping).</summary>
    public void Clear()
    {
        foreach (var query in _pending.Values) query.Finished = true;
        _pending.Clear();
        _deadlines.Clear();
    }
}
