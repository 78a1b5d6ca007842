namespace Shoal.Trackers;

/// <summary>Swarm counters for one torrent (BEP 48 / BEP 15 scrape).</summary>
public sealed record ScrapeResult(int Seeders, int Completed, int Leechers);
