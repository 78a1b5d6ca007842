namespace Shoal.TrackerServer.Registry;

public enum AnnounceStatus
{
    Ok,
    /// <summary>An allow-list is in force and the torrent is not on it.</summary>
    NotAllowed,
    /// <summary>The registry already tracks its maximum number of torrents.</summary>
    TrackerFull,
}
