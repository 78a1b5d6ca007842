namespace Shoal.TrackerServer.Registry;

/// <summary>BEP 48 counts of one torrent.</summary>
public readonly record struct ScrapeCounts(int Seeders, int Leechers, long Downloaded);
