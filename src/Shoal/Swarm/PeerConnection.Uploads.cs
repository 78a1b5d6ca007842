using Shoal.Wire;

namespace Shoal.Swarm;

/// <summary>The peer's requests to us: validated, queued in arrival order, cancelled, dropped when we choke it.</summary>
internal sealed partial class PeerConnection
{
    // Queued, unserved requests: the queue keeps their order, the set answers "still wanted?" (cancel removes from the set only).
    private readonly Queue<BlockRequest> _uploadQueue = new();
    private readonly HashSet<long> _theirRequests = [];
    private readonly Lock _theirRequestsSync = new();
    private int _overflowingRequests;

    private bool HasQueuedUploads
    {
        get { lock (_theirRequestsSync) return _uploadQueue.Count > 0; }
    }

    /// <summary>Requests from the peer we have queued and not served yet.</summary>
    public int QueuedUploads
    {
        get { lock (_theirRequestsSync) return _theirRequests.Count; }
    }

    /// <summary>The peer asked for a block: queue it if we will serve it, else reject (fast) or ignore.</summary>
    private void OnRequest(int piece, int begin, int length)
    {
        var info = _session.Info;
        if ((uint)piece >= (uint)info.PieceCount) throw new WireProtocolException($"request for piece {piece} out of range");
        if (length <= 0 || length > MessageReader.MaxBlockLength || begin < 0 || (long)begin + length > info.PieceSize(piece))
            throw new WireProtocolException($"request ({piece},{begin},{length}) outside the piece");
        var decision = _session.DecideUpload(this, piece, out int suggestion);
        if (decision != UploadDecision.Serve)
        {
            Reject(piece, begin, length);
            if (suggestion >= 0) Enqueue(new Outgoing(MessageId.SuggestPiece, suggestion));
            return;
        }
        lock (_theirRequestsSync)
        {
            if (_theirRequests.Count >= _session.Settings.MaxQueuedRequestsFromPeer)
            {
                // A peer that keeps ignoring the reqq we advertised, by as much again, is flooding us.
                if (++_overflowingRequests > _session.Settings.MaxQueuedRequestsFromPeer) throw new WireProtocolException("request flood");
                Reject(piece, begin, length);
                return;
            }
            _overflowingRequests = 0;
            if (!_theirRequests.Add(Key(piece, begin))) return;
            _uploadQueue.Enqueue(new BlockRequest(piece, begin, length));
        }
        // Only a doorbell for the send loop: blocks are served from the upload queue, after any control messages.
        Enqueue(new Outgoing(MessageId.Piece));
    }

    private void Reject(int piece, int begin, int length)
    {
        if (SupportsFast) Enqueue(new Outgoing(MessageId.RejectRequest, piece, begin, length));
    }

    private void CancelTheirRequest(int piece, int begin, int length)
    {
        bool removed;
        lock (_theirRequestsSync) removed = _theirRequests.Remove(Key(piece, begin));
        // BEP 6: a cancelled request is answered with the block or a reject.
        if (removed) Reject(piece, begin, length);
    }

    /// <summary>We choked the peer: drop its queued requests (rejecting them under the fast extension), except allowed-fast pieces.</summary>
    internal void DropTheirRequests(Func<int, bool> keep)
    {
        List<long>? dropped = null;
        lock (_theirRequestsSync)
        {
            foreach (long key in _theirRequests)
                if (!keep((int)(key >> 32))) (dropped ??= []).Add(key);
            if (dropped is not null) foreach (long key in dropped) _theirRequests.Remove(key);
            if (_theirRequests.Count == 0) _uploadQueue.Clear();
        }
        if (dropped is null || !SupportsFast) return;
        foreach (long key in dropped)
        {
            int piece = (int)(key >> 32), begin = (int)key;
            Enqueue(new Outgoing(MessageId.RejectRequest, piece, begin, Math.Min(BlockRequest.BlockSize, _session.Info.PieceSize(piece) - begin)));
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

    private static long Key(int piece, int begin) => ((long)piece << 32) | (uint)begin;
}
