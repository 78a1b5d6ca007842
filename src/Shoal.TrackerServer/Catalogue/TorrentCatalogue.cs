using Shoal.Metainfo;
using Shoal.TrackerServer.Registry;

namespace Shoal.TrackerServer.Catalogue;

/// <summary>
/// The published .torrent files, in memory, bounded in count and in bytes. One lock guards the set; nothing slow
/// (parsing, I/O) happens under it. The first .torrent published for an info-hash stays until it is removed.
/// </summary>
public sealed class TorrentCatalogue
{
    private readonly Lock _lock = new();
    private readonly Dictionary<InfoHash, CatalogueEntry> _entries = new(InfoHashComparer.Instance);
    private long _totalBytes;

    public TorrentCatalogue(int maxEntries, long maxTotalBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxEntries);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxTotalBytes);
        MaxEntries = maxEntries;
        MaxTotalBytes = maxTotalBytes;
    }

    public int MaxEntries { get; }

    public long MaxTotalBytes { get; }

    public int Count { get { lock (_lock) return _entries.Count; } }

    /// <summary>Bytes of .torrent files held.</summary>
    public long TotalBytes { get { lock (_lock) return _totalBytes; } }

    /// <summary>Adds <paramref name="entry"/> unless its info-hash is listed already or a bound would be passed.</summary>
    public PublishStatus TryAdd(CatalogueEntry entry, out CatalogueEntry? existing)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_lock)
        {
            if (_entries.TryGetValue(entry.InfoHash, out existing))
                return existing.SameBytes(entry) ? PublishStatus.Unchanged : PublishStatus.Conflict;
            if (_entries.Count >= MaxEntries || _totalBytes + entry.TorrentBytes.Length > MaxTotalBytes) return PublishStatus.Full;
            _entries.Add(entry.InfoHash, entry);
            _totalBytes += entry.TorrentBytes.Length;
            return PublishStatus.Added;
        }
    }

    public bool TryGet(InfoHash infoHash, out CatalogueEntry entry)
    {
        lock (_lock) return _entries.TryGetValue(infoHash, out entry!);
    }

    /// <summary>Removes one entry; false when it was not listed.</summary>
    public bool Remove(InfoHash infoHash)
    {
        lock (_lock)
        {
            if (!_entries.Remove(infoHash, out var entry)) return false;
            _totalBytes -= entry.TorrentBytes.Length;
            return true;
        }
    }

    public string? NameOf(InfoHash infoHash)
    {
        lock (_lock) return _entries.TryGetValue(infoHash, out var entry) ? entry.Name : null;
    }

    /// <summary>Every entry, newest first (ties by name, so the order is stable).</summary>
    public IReadOnlyList<CatalogueEntry> Newest()
    {
        CatalogueEntry[] entries;
        lock (_lock) entries = [.. _entries.Values];
        Array.Sort(entries, static (a, b) =>
        {
            int byTime = b.PublishedAt.CompareTo(a.PublishedAt);
            return byTime != 0 ? byTime : string.CompareOrdinal(a.Name, b.Name);
        });
        return entries;
    }

    /// <summary>
    /// Marks every entry whose swarm has a seeder now as seeded at <paramref name="now"/>; returns those whose time moved
    /// at least <paramref name="granularity"/> past what the store holds (the ones worth writing back).
    /// </summary>
    public IReadOnlyList<CatalogueEntry> RecordSeeders(SwarmRegistry registry, DateTimeOffset now, TimeSpan granularity)
    {
        ArgumentNullException.ThrowIfNull(registry);
        CatalogueEntry[] entries;
        lock (_lock) entries = [.. _entries.Values];
        var changed = new List<CatalogueEntry>();
        foreach (var entry in entries)
        {
            if (registry.Scrape(entry.InfoHash).Seeders > 0) entry.SawSeeder(now);
            if (entry.LastSeededAt - entry.PersistedLastSeededAt >= granularity) changed.Add(entry);
        }
        return changed;
    }
}
