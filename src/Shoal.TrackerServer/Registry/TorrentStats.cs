using Shoal.Metainfo;

namespace Shoal.TrackerServer.Registry;

/// <summary>One row of the stats page.</summary>
public sealed record TorrentStats(InfoHash InfoHash, string? Name, int Seeders, int Leechers, long Downloaded);

/// <summary>Registry-wide sums.</summary>
public readonly record struct RegistryTotals(int Torrents, long Seeders, long Leechers, long Downloaded)
{
    public long Peers => Seeders + Leechers;
}
