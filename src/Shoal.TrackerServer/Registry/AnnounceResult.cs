namespace Shoal.TrackerServer.Registry;

/// <summary>The swarm's counts after an announce (the requester included) and whether it was accepted.</summary>
public readonly record struct AnnounceResult(AnnounceStatus Status, int Seeders, int Leechers, long Downloaded);
