using Shoal.Daemon.Engine;
using Shoal.Metainfo;

namespace Shoal.Daemon.Torrents;

/// <summary>
/// One torrent's state at one moment, as the RPC reports it (the fields of Transmission's tr_stat that Shoal has).
/// Dates are Unix seconds, 0 = never; sizes are bytes; rates bytes per second.
/// </summary>
public sealed class TorrentSnapshot
{
    public required int Id { get; init; }

    public required InfoHash InfoHash { get; init; }

    public required string Name { get; init; }

    /// <summary>The metainfo, or null for a magnet link whose metadata has not arrived.</summary>
    public Torrent? Metainfo { get; init; }

    public required string MagnetLink { get; init; }

    public required string DownloadDir { get; init; }

    public required TorrentSettings Settings { get; init; }

    public required IReadOnlyList<IReadOnlyList<string>> TrackerTiers { get; init; }

    public required TorrentActivity Activity { get; init; }

    public TorrentErrorKind Error { get; init; }

    public string ErrorString { get; init; } = "";

    public long AddedDate { get; init; }

    public long DoneDate { get; init; }

    public long ActivityDate { get; init; }

    public long StartDate { get; init; }

    public long EditDate { get; init; }

    public long TotalSize { get; init; }

    public long HaveValid { get; init; }

    public long SizeWhenDone { get; init; }

    public long LeftUntilDone { get; init; }

    public long DesiredAvailable { get; init; }

    public long UploadedEver { get; init; }

    public long DownloadedEver { get; init; }

    public long CorruptEver { get; init; }

    public long RateDownload { get; init; }

    public long RateUpload { get; init; }

    public int PeersConnected { get; init; }

    /// <summary>Peer addresses the running torrent knows of (connected or not); 0 when not running.</summary>
    public int PeersKnown { get; init; }

    public int PeersSendingToUs { get; init; }

    /// <summary>Web seeds (BEP 19) with a request under way.</summary>
    public int WebSeedsSendingToUs { get; init; }

    public int PeersGettingFromUs { get; init; }

    public PeerOriginCounts PeersFrom { get; init; }

    public double RecheckProgress { get; init; }

    public double MetadataPercentComplete { get; init; }

    public long SecondsDownloading { get; init; }

    public long SecondsSeeding { get; init; }

    public int QueuePosition { get; init; }

    /// <summary>Stopped by its seeding limit (ratio or idle time).</summary>
    public bool IsFinished { get; init; }

    public bool IsStalled { get; init; }

    /// <summary>Seconds to completion; -1 not downloading, -2 unknown (Transmission's TR_ETA_*).</summary>
    public long Eta { get; init; }

    /// <summary>Seconds until the idle-seeding limit stops it; -1 when none applies.</summary>
    public long EtaIdle { get; init; }

    /// <summary>uploaded / downloaded (or / have, when nothing was downloaded); -1 n/a, -2 infinite.</summary>
    public double UploadRatio { get; init; }

    /// <summary>The ratio limit in force (the torrent's or the session's), or null when unlimited.</summary>
    public double? EffectiveRatioLimit { get; init; }

    public double PercentComplete => TotalSize == 0 ? (Metainfo is null ? 0 : 1) : (double)HaveValid / TotalSize;

    public double PercentDone => SizeWhenDone == 0 ? (Metainfo is null ? 0 : 1) : (double)(SizeWhenDone - LeftUntilDone) / SizeWhenDone;

    public bool IsRunning => Activity is not TorrentActivity.Stopped;
}

/// <summary>One file of a torrent (the RPC's <c>files</c> and <c>fileStats</c> entries).</summary>
public sealed record FileView(string Name, long Length, long BytesCompleted, bool Wanted, int Priority);
