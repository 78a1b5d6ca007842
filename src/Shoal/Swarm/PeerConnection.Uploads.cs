using Shoal.Wire;

namespace Shoal.Swarm;

/// <summary>The peer's requests to us: queued in arrival order, cancelled, dropped when we choke it. Bounded.</summary>
internal sealed partial class PeerConnection
{
    // Queued, unserved requests: the queue keeps their order, the set answers "still wanted?" (cancel removes from the set only).
    private readonly Queue<BlockRequest> _uploadQueue = new();
    private readonly HashSet<long> _theirRequests = [];
    private readonly Lock _theirRequestsSync = new();
    private int _unservedRequests;

    /// <summary>Requests from the peer we have queued and not served yet.</summary>
    public int QueuedUploads
    {
        get { lock (_theirRequestsSync) return _theirRequests.Count; }
    }

    /// <summary>Queues a block the torrent decided to serve; false when the queue is full (the caller refuses it).</summary>
    public bool QueueUpload(BlockRequest request)
    {
        int max = _limits.MaxQueuedRequests;
        lock (_theirRequestsSync)
        {
            if (_theirRequests.Count >= max) return false;
            if (!_theirRequests.Add(Key(request.Piece, request.Begin)))
            {
                // Asking again for a block still queued costs us nothing to serve, but it is not a new request either.
                CountUnserved();
                return true;
            }
            _unservedRequests = 0;
            // Cancelled requests stay in the queue until their turn: compact it before it outgrows the set by much.
            if (_uploadQueue.Count >= 2 * max) Compact();
            _uploadQueue.Enqueue(request);
        }
        _outbox.Wake();
        return true;
    }

    /// <summary>
    /// A request we refused (choked, queue full, piece elsewhere). An honest peer has at most the reqq we advertised in
    /// flight when we choke it; one that keeps asking past that many refusals or duplicates in a row is flooding us
    /// (it may not even read our rejects): <see cref="WireProtocolException"/> closes it.
    /// </summary>
    public void CountRefusedRequest()
    {
        lock (_theirRequestsSync) CountUnserved();
    }

    private void CountUnserved()
    {
        if (++_unservedRequests > _limits.MaxQueuedRequests)
            throw new WireProtocolException($"request flood: {_unservedRequests} requests in a row neither new nor allowed");
    }

    /// <summary>The peer cancelled a request: true if it was still queued (BEP 6 then wants a reject).</summary>
    public bool CancelTheirRequest(int piece, int begin)
    {
        lock (_theirRequestsSync) return _theirRequests.Remove(Key(piece, begin));
    }

    /// <summary>We choked the peer: drop its queued requests (rejecting them under the fast extension).</summary>
    public void DropTheirRequests(Func<int, int> pieceSize)
    {
        List<long> dropped;
        lock (_theirRequestsSync)
        {
            dropped = [.. _theirRequests];
            _theirRequests.Clear();
            _uploadQueue.Clear();
        }
        if (!SupportsFast) return;
        foreach (long key in dropped)
        {
            int piece = (int)(key >> 32), begin = (int)key;
            Send(new Outgoing(MessageId.RejectRequest, piece, begin, Math.Min(BlockRequest.BlockSize, pieceSize(piece) - begin)));
        }
    }

    /// <summary>The oldest queued request that is still wanted (not cancelled, not dropped by a choke).</summary>
    private bool TryDequeueUpload(out BlockRequest request)
    {
        lock (_theirRequestsSync)
        {
            while (_uploadQueue.TryDequeue(out request))
                if (_theirRequests.Remove(Key(request.Piece, request.Begin))) return true;
            return false;
        }
    }

    private void Compact()
    {
        var live = _uploadQueue.Where(r => _theirRequests.Contains(Key(r.Piece, r.Begin))).Distinct().ToList();
        _uploadQueue.Clear();
        foreach (var r in live) _uploadQueue.Enqueue(r);
    }

    private static long Key(int piece, int begin) => ((long)piece << 32) | (uint)begin;
}
