namespace Shoal.Tests.Support.Reference;

/// <summary>A tracker's scrape answer for one torrent (BEP 48).</summary>
public readonly record struct SwarmCounts(long Seeders, long Leechers, long Completed);
