namespace Shoal.TrackerServer.Registry;

/// <summary>One torrent's peers (IPv4 and IPv6 kept apart) and its completed-download counter.</summary>
internal sealed class Swarm
{
    public PeerList<Compact4>? V4;
    public PeerList<Compact6>? V6;
    public long Downloaded;
    public string? Name;
    /// <summary>Set when the swarm changed since the store last saved it (only when changes are tracked).</summary>
    public bool Dirty;

    public int Seeders => (V4?.Seeders ?? 0) + (V6?.Seeders ?? 0);

    public int Leechers => (V4?.Leechers ?? 0) + (V6?.Leechers ?? 0);

    public bool IsEmpty => (V4?.Count ?? 0) + (V6?.Count ?? 0) == 0;

    /// <summary>Nothing worth keeping: no peers, no completed downloads, no name.</summary>
    public bool IsDisposable => IsEmpty && Downloaded == 0 && Name is null;
}
