using System.Net;

namespace Shoal.Tests.Support.Reference;

/// <summary>What one participant of a transfer is given, whatever program it is.</summary>
/// <param name="TorrentPath">The .torrent file (its trackers are how peers find each other unless <see cref="ConnectTo"/> is used).</param>
/// <param name="DataDirectory">The folder holding (seed) or receiving (leech) the torrent's top-level file or folder.</param>
public sealed record TransferSetup(string TorrentPath, string DataDirectory)
{
    /// <summary>Bytes per second, 0 = unlimited.</summary>
    public long UploadRateLimit { get; init; }

    /// <summary>Bytes per second, 0 = unlimited.</summary>
    public long DownloadRateLimit { get; init; }

    /// <summary>Peers to dial directly (only for kinds with <see cref="ParticipantCapabilities.ConnectsToGivenPeers"/>).</summary>
    public IReadOnlyList<IPEndPoint> ConnectTo { get; init; } = [];

    /// <summary>Re-announce this often, so that peers which never dial loopback (Transmission) get dialled
    /// (only for kinds with <see cref="ParticipantCapabilities.ReannouncesOften"/>).</summary>
    public TimeSpan? ReannounceEvery { get; init; }

    /// <summary>A leecher stays running after completing (so its process can still be measured); some programs
    /// (aria2) exit on completion otherwise.</summary>
    public bool KeepRunningWhenDone { get; init; }

    /// <summary>"tcp" or "utp" to use that transport alone (Shoal and libtorrent); null = the program's own choice
    /// (libtorrent's reference script is TCP only, Shoal dials uTP first).</summary>
    public string? Transport { get; init; }
}
