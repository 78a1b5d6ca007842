namespace Shoal.Daemon.Torrents;

/// <summary>A torrent's state as the RPC's <c>status</c> numbers it (Transmission 2.40 and later).</summary>
public enum TorrentActivity
{
    Stopped = 0,
    QueuedToVerify = 1,
    Verifying = 2,
    QueuedToDownload = 3,
    Downloading = 4,
    QueuedToSeed = 5,
    Seeding = 6,
}

/// <summary>The RPC's <c>error</c> numbers.</summary>
public enum TorrentErrorKind
{
    None = 0,
    TrackerWarning = 1,
    TrackerError = 2,
    Local = 3,
}
