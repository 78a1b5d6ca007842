namespace Shoal.Swarm;

/// <summary>
/// A seed's memory of which peer it is sending each piece to. When a second peer asks for a piece that is still on its
/// way to the first, sending it twice would spend the seed's upload — the swarm's scarcest resource — on data the swarm
/// will soon have anyway; the seed instead rejects the request (BEP 6) and suggests a piece nobody is getting yet.
/// Claims go stale, so a slow or vanished peer never holds a piece hostage. Used under the session lock.
/// </summary>
internal sealed class UploadAssignments
{
    private readonly PeerConnection?[] _owner;
    private readonly long[] _claimedAt;
    private readonly int[] _suggestOrder;
    private readonly long _staleAfter;
    private int _cursor;

    public UploadAssignments(int pieceCount, Random random, long staleAfterTicks)
    {
        _owner = new PeerConnection?[pieceCount];
        _claimedAt = new long[pieceCount];
        _suggestOrder = Enumerable.Range(0, pieceCount).ToArray();
        random.Shuffle(_suggestOrder);
        _staleAfter = staleAfterTicks;
    }

    /// <summary>True if <paramref name="peer"/> may be sent the piece now (and it is then recorded as its owner).</summary>
    public bool TryClaim(int piece, PeerConnection peer, long now)
    {
        var owner = _owner[piece];
        bool free = owner is null || ReferenceEquals(owner, peer) || owner.IsClosed || owner.Have[piece] || now - _claimedAt[piece] > _staleAfter;
        if (!free) return false;
        _owner[piece] = peer;
        _claimedAt[piece] = now;
        return true;
    }

    /// <summary>A piece nobody is being sent and <paramref name="peer"/> lacks, or -1; visited in one random order for all peers.</summary>
    public int Suggest(PeerConnection peer, long now)
    {
        for (int tried = 0; tried < _suggestOrder.Length; tried++)
        {
            int piece = _suggestOrder[_cursor];
            _cursor = (_cursor + 1) % _suggestOrder.Length;
            if (peer.Have[piece]) continue;
            var owner = _owner[piece];
            if (owner is null || owner.IsClosed || now - _claimedAt[piece] > _staleAfter) return piece;
        }
        return -1;
    }

    /// <summary>Forgets a departed peer's claims.</summary>
    public void Release(PeerConnection peer)
    {
        for (int piece = 0; piece < _owner.Length; piece++)
            if (ReferenceEquals(_owner[piece], peer)) _owner[piece] = null;
    }
}
