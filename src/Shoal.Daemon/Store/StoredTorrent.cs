namespace Shoal.Daemon.Store;

/// <summary>One row of the torrents table: everything a restart needs to bring a torrent back as it was.</summary>
/// <param name="Metainfo">The .torrent bytes, or null for a magnet link whose metadata has not arrived.</param>
/// <param name="Have">The verified-pieces bitfield last seen (so a stopped torrent shows its progress), or null.</param>
/// <param name="Trackers">Tracker tiers as edited by the user (JSON), or null for the metainfo's own.</param>
/// <param name="Settings">The torrent's <see cref="Torrents.TorrentSettings"/> as JSON.</param>
public sealed record StoredTorrent(
    int Id,
    string InfoHash,
    byte[]? Metainfo,
    string? Magnet,
    string DownloadDir,
    bool Paused,
    bool Finished,
    int QueuePosition,
    long AddedDate,
    long DoneDate,
    long ActivityDate,
    long StartDate,
    long EditDate,
    StoredCounters Counters,
    byte[]? Have,
    string? Error,
    string? Trackers,
    string Settings);

/// <summary>The numbers that change while a torrent runs; flushed every few seconds.</summary>
public sealed record StoredCounters(long Uploaded, long Downloaded, long Corrupt, long SecondsDownloading, long SecondsSeeding);
