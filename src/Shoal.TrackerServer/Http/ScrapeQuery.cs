using Shoal.Metainfo;

namespace Shoal.TrackerServer.Http;

/// <summary>A BEP 48 scrape query: one or more info_hash parameters (bounded).</summary>
internal static class ScrapeQuery
{
    public const int MaxHashes = 100;
    public const int MaxQueryLength = 16 * 1024;

    /// <summary>Collects the info-hashes into <paramref name="hashes"/>; returns null or the failure reason.</summary>
    public static string? TryParse(ReadOnlySpan<char> query, List<InfoHash> hashes)
    {
        hashes.Clear();
        if (query.Length > MaxQueryLength) return "query too long";
        Span<byte> buffer = stackalloc byte[InfoHash.Length];
        var pairs = new QueryString(query);
        while (pairs.MoveNext())
        {
            if (!QueryString.KeyIs(pairs.Key, "info_hash")) continue;
            if (!QueryString.TryDecode(pairs.Value, buffer, out int length) || length != InfoHash.Length) return "info_hash must be 20 bytes";
            if (hashes.Count == MaxHashes) return $"at most {MaxHashes} info_hash per scrape";
            hashes.Add(new InfoHash(buffer));
        }
        return hashes.Count == 0 ? "scrape needs at least one info_hash (full scrapes are not served; see /stats.json)" : null;
    }
}
