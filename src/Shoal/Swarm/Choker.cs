namespace Shoal.Swarm;

/// <summary>What the choker needs to know about a peer.</summary>
internal interface IChokeCandidate
{
    bool PeerInterested { get; }
    bool AmChoking { get; }
    bool IsSnubbed { get; }
    bool IsOptimistic { get; set; }
    /// <summary>Rate that earns the slot: what the peer gives us while we leech, what we give it while we seed.</summary>
    double RateFor(bool seeding);
    long ConnectedAt { get; }
}

/// <summary>
/// Tit-for-tat choking (BEP 3): every round, the interested peers with the best rates get the regular slots
/// (download rate from them while we leech, upload rate to them while we seed), and one more peer gets an
/// optimistic unchoke that rotates every few rounds, so newcomers get a chance to prove themselves.
/// Pure decision logic: the session applies the result.
/// </summary>
internal sealed class Choker(int slots, Random random)
{
    /// <summary>Returns the set of peers that should be unchoked after this round.</summary>
    public HashSet<T> Decide<T>(IReadOnlyList<T> peers, bool seeding, bool rotateOptimistic, long now, long timestampFrequency)
        where T : class, IChokeCandidate
    {
        var interested = peers.Where(p => p.PeerInterested).ToList();
        var regular = interested
            .Where(p => !p.IsSnubbed || seeding)
            .OrderByDescending(p => p.RateFor(seeding))
            .ThenBy(p => p.ConnectedAt)
            .Take(slots)
            .ToHashSet();

        var optimistic = interested.FirstOrDefault(p => p.IsOptimistic && !regular.Contains(p));
        if (optimistic is null || rotateOptimistic)
        {
            var choices = interested.Where(p => !regular.Contains(p)).ToList();
            optimistic = PickWeighted(choices, now, timestampFrequency) ?? optimistic;
        }
        foreach (var peer in peers) peer.IsOptimistic = ReferenceEquals(peer, optimistic);
        if (optimistic is not null) regular.Add(optimistic);
        return regular;
    }

    // Peers connected in the last minute are three times as likely to be picked (as in the original client).
    private T? PickWeighted<T>(List<T> choices, long now, long frequency) where T : class, IChokeCandidate
    {
        if (choices.Count == 0) return null;
        var weights = choices.Select(p => (now - p.ConnectedAt) < 60 * frequency ? 3 : 1).ToArray();
        int roll = random.Next(weights.Sum());
        for (int i = 0; i < choices.Count; i++)
        {
            roll -= weights[i];
            if (roll < 0) return choices[i];
        }
        return choices[^1];
    }
}
