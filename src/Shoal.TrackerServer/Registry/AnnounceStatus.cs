namespace Shoal.TrackerServer.Registry;

public enum AnnounceStatus
{
    Ok,
    /// <summary>An allow-list is in force and the torrent is not on it.</summary>
    NotAllowed,
    /// <summary>The registry already tracks its maximum number of torrents (or peers, while it makes room).</summary>
    TrackerFull,
    /// <summary>Behind a trusted proxy that did not say who the client is: there is no address to list it at.</summary>
    ClientUnknown,
}
