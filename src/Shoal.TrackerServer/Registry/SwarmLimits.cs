namespace Shoal.TrackerServer.Registry;

/// <summary>
/// How much the registry holds at most, so that no flood of announces can exhaust memory:
/// torrents, peers in total, peers per swarm, and peers per source (an IPv4 address or an IPv6 /64) within a swarm.
/// When a cap is reached the least recently seen peers make room (see <see cref="SwarmRegistry"/>).
/// </summary>
public readonly record struct SwarmLimits(
    int MaxTorrents = SwarmLimits.DefaultMaxTorrents,
    int MaxPeers = SwarmLimits.DefaultMaxPeers,
    int MaxPeersPerSwarm = SwarmLimits.DefaultMaxPeersPerSwarm,
    int MaxPeersPerSource = SwarmLimits.DefaultMaxPeersPerSource)
{
    public const int DefaultMaxTorrents = 1_000_000;

    /// <summary>About 100 MB of peer tables (a peer costs 40–60 bytes).</summary>
    public const int DefaultMaxPeers = 2_000_000;

    public const int DefaultMaxPeersPerSwarm = 100_000;

    /// <summary>Room for a household or small office behind one NAT address; 0 means no cap.</summary>
    public const int DefaultMaxPeersPerSource = 16;

    public SwarmLimits() : this(DefaultMaxTorrents)
    {
    }

    /// <summary>Throws <see cref="ArgumentException"/> with a message fit for the user when a cap is out of range.</summary>
    public void Validate()
    {
        if (MaxTorrents < 1) throw new ArgumentException("the torrent limit must be positive");
        if (MaxPeers < 1) throw new ArgumentException("the peer limit must be positive");
        if (MaxPeersPerSwarm < 1) throw new ArgumentException("the per-swarm peer limit must be positive");
        if (MaxPeersPerSource < 0) throw new ArgumentException("the per-address peer limit must be 0 (no limit) or positive");
    }
}
