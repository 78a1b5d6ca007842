namespace Shoal.Swarm;

/// <summary>
/// A piece policy's ranking of the wanted pieces, computed once when the policy is set: the pieces sorted by
/// <see cref="IPiecePolicy.Compare"/> (index order among equals) and cut into classes of equal rank. A new piece is the
/// rarest free one of the first class that has one the peer can give, so a sequential download (one piece per class)
/// costs O(1) per pick once the front is done, and priorities cost the size of the top class still open.
/// Null for a policy that ranks every wanted piece alike: plain rarest-first then applies. Not thread-safe (picker's lock).
/// </summary>
internal sealed class PolicyOrder
{
    private readonly int[] _ranked;
    private readonly int[] _classStart;   // class c holds _ranked[_classStart[c] .. _classStart[c + 1])
    private readonly int[] _classOf;      // piece → its class, -1 when unwanted
    private int _firstOpen;               // classes before this one have no free piece

    private PolicyOrder(int[] ranked, int[] classStart, int[] classOf)
    {
        _ranked = ranked;
        _classStart = classStart;
        _classOf = classOf;
    }

    /// <summary>Ranks <paramref name="wanted"/>; null when they all rank alike.</summary>
    public static PolicyOrder? Build(IPiecePolicy policy, IReadOnlyList<int> wanted, int pieceCount)
    {
        var ranked = wanted.ToArray();
        // Equal pieces in index order, so the classes below are runs of equals.
        Array.Sort(ranked, (a, b) => policy.Compare(a, b) is var c && c != 0 ? c : a.CompareTo(b));
        var starts = new List<int> { 0 };
        for (int i = 1; i < ranked.Length; i++)
            if (policy.Compare(ranked[i - 1], ranked[i]) != 0) starts.Add(i);
        if (starts.Count <= 1) return null;
        starts.Add(ranked.Length);
        var classOf = new int[pieceCount];
        Array.Fill(classOf, -1);
        for (int c = 0; c < starts.Count - 1; c++)
            for (int i = starts[c]; i < starts[c + 1]; i++) classOf[ranked[i]] = c;
        return new PolicyOrder(ranked, [.. starts], classOf);
    }

    /// <summary>The piece became free again (failed, lost, released): its class is open again.</summary>
    public void Reopened(int piece)
    {
        int c = _classOf[piece];
        if (c >= 0 && c < _firstOpen) _firstOpen = c;
    }

    /// <summary>
    /// The first class's best candidate: a free piece the peer has and does not avoid, the one earliest in
    /// <paramref name="rarity"/> (rarest, then random); -1 when no class has one.
    /// </summary>
    public int Choose(IPickerPeer peer, AvailabilityOrder rarity)
    {
        var has = peer.Have;
        for (int c = _firstOpen; c < _classStart.Length - 1; c++)
        {
            int best = -1, bestRank = int.MaxValue;
            bool anyFree = false;
            for (int i = _classStart[c]; i < _classStart[c + 1]; i++)
            {
                int piece = _ranked[i];
                int rank = rarity.PositionOf(piece);
                if (rank < 0) continue;
                anyFree = true;
                if (rank < bestRank && has[piece] && !peer.Avoids(piece))
                {
                    best = piece;
                    bestRank = rank;
                }
            }
            if (!anyFree && c == _firstOpen) _firstOpen = c + 1;
            if (best >= 0) return best;
        }
        return -1;
    }
}
