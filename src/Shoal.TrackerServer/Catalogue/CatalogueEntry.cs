using Shoal.Metainfo;

namespace Shoal.TrackerServer.Catalogue;

/// <summary>
/// One published .torrent: its exact bytes (served back unchanged) and what the listing shows, taken from it once at
/// publish time. <see cref="LastSeededAt"/> is the last time the tracker knew of a seeder in its swarm.
/// </summary>
public sealed class CatalogueEntry
{
    private long _lastSeededTicks;

    private CatalogueEntry(Torrent torrent, byte[] bytes, DateTimeOffset publishedAt, DateTimeOffset lastSeededAt)
    {
        InfoHash = torrent.InfoHash;
        Name = torrent.Info.Name;
        TotalLength = torrent.Info.DataLength;
        FileCount = torrent.Info.Files.Count(f => !f.IsPadding);
        PieceLength = torrent.Info.PieceLength;
        IsPrivate = torrent.Info.IsPrivate;
        Trackers = torrent.Trackers;
        Magnet = MagnetLink.FromTorrent(torrent).ToString();
        TorrentBytes = bytes;
        PublishedAt = Seconds(publishedAt);
        _lastSeededTicks = Seconds(lastSeededAt > publishedAt ? lastSeededAt : publishedAt).UtcTicks;
        PersistedLastSeededAt = LastSeededAt;
    }

    public InfoHash InfoHash { get; }

    public string Name { get; }

    public long TotalLength { get; }

    /// <summary>Files in the torrent, BEP 47 padding files not counted.</summary>
    public int FileCount { get; }

    public int PieceLength { get; }

    public bool IsPrivate { get; }

    /// <summary>Every tracker the .torrent names.</summary>
    public IReadOnlyList<string> Trackers { get; }

    /// <summary>The torrent's magnet link (info-hash, name, size, its trackers).</summary>
    public string Magnet { get; }

    /// <summary>The .torrent exactly as it was published.</summary>
    public ReadOnlyMemory<byte> TorrentBytes { get; }

    public DateTimeOffset PublishedAt { get; }

    public DateTimeOffset LastSeededAt => new(Volatile.Read(ref _lastSeededTicks), TimeSpan.Zero);

    /// <summary>The <see cref="LastSeededAt"/> the store holds (so only real progress is written back).</summary>
    internal DateTimeOffset PersistedLastSeededAt { get; set; }

    /// <summary>Parses and validates published bytes; throws <see cref="InvalidTorrentException"/> saying what is wrong.</summary>
    public static CatalogueEntry Create(byte[] torrentBytes, DateTimeOffset publishedAt, DateTimeOffset? lastSeededAt = null)
    {
        ArgumentNullException.ThrowIfNull(torrentBytes);
        var torrent = Torrent.Parse(torrentBytes);
        return new CatalogueEntry(torrent, torrentBytes, publishedAt, lastSeededAt ?? publishedAt);
    }

    /// <summary>True when the swarm has had no seeder for at least <paramref name="staleAfter"/>.</summary>
    public bool IsStale(DateTimeOffset now, TimeSpan staleAfter) => now - LastSeededAt >= staleAfter;

    /// <summary>Records that a seeder was seen at <paramref name="now"/> (never moves the time backwards).</summary>
    internal void SawSeeder(DateTimeOffset now)
    {
        long ticks = Seconds(now).UtcTicks;
        long current = Volatile.Read(ref _lastSeededTicks);
        while (ticks > current)
        {
            long seen = Interlocked.CompareExchange(ref _lastSeededTicks, ticks, current);
            if (seen == current) return;
            current = seen;
        }
    }

    internal bool SameBytes(CatalogueEntry other) => TorrentBytes.Span.SequenceEqual(other.TorrentBytes.Span);

    // Whole seconds: what the store keeps, so an entry reads back exactly as it was.
    private static DateTimeOffset Seconds(DateTimeOffset time) => DateTimeOffset.FromUnixTimeSeconds(time.ToUnixTimeSeconds());
}
