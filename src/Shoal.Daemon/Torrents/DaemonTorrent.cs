using Shoal.Daemon.Engine;
using Shoal.Metainfo;
using Shoal.Storage;

namespace Shoal.Daemon.Torrents;

/// <summary>Where a torrent is in its life inside the daemon (finer than the RPC's <see cref="TorrentActivity"/>).</summary>
public enum TorrentPhase
{
    Stopped,
    /// <summary>Wants to run, waiting for a download or seed slot.</summary>
    Queued,
    /// <summary>Waiting for a free checker before its data is opened.</summary>
    CheckWait,
    /// <summary>Opening its data: hashing what the resume record does not vouch for.</summary>
    Checking,
    /// <summary>A magnet link fetching its metadata from peers.</summary>
    FetchingMetadata,
    Running,
    Stopping,
}

/// <summary>
/// One torrent of the daemon: what is stored about it and what it is doing now. Fields are changed by the session under
/// its lock, or under <see cref="Gate"/> for the slow transitions (start, stop, verify, move, remove), which take it so
/// they never overlap for one torrent.
/// </summary>
public sealed class DaemonTorrent
{
    public DaemonTorrent(int id, InfoHash infoHash)
    {
        Id = id;
        InfoHash = infoHash;
    }

    public int Id { get; }

    public InfoHash InfoHash { get; }

    /// <summary>The metainfo (and its bytes as stored), or null while a magnet link's metadata is missing.</summary>
    public Torrent? Metainfo { get; set; }

    public byte[]? MetainfoBytes { get; set; }

    public MagnetLink? Magnet { get; set; }

    public required string DownloadDir { get; set; }

    public required TorrentSettings Settings { get; set; }

    /// <summary>Tracker tiers set by the user (torrent-set trackerList), or null for the metainfo's (or magnet link's) own.</summary>
    public IReadOnlyList<IReadOnlyList<string>>? EditedTrackers { get; set; }

    /// <summary>The user stopped it (or a seeding limit did): it does not run until started again.</summary>
    public bool Paused { get; set; }

    /// <summary>Started with "start now": runs regardless of the queue limits.</summary>
    public bool BypassQueue { get; set; }

    /// <summary>A seeding limit (ratio or idle) stopped it.</summary>
    public bool IsFinished { get; set; }

    public int QueuePosition { get; set; }

    public DateTimeOffset AddedDate { get; set; }

    public DateTimeOffset? DoneDate { get; set; }

    public DateTimeOffset? ActivityDate { get; set; }

    public DateTimeOffset? StartDate { get; set; }

    public DateTimeOffset? EditDate { get; set; }

    /// <summary>Latest of any change worth telling a polling client about (Transmission's anyDate, for "recently-active").</summary>
    public DateTimeOffset AnyDate { get; set; }

    /// <summary>Totals from earlier runs (and earlier starts in this run); the engine's own counters add to these.</summary>
    public long UploadedBefore { get; set; }

    public long DownloadedBefore { get; set; }

    public long CorruptBefore { get; set; }

    public long SecondsDownloading { get; set; }

    public long SecondsSeeding { get; set; }

    /// <summary>Verified pieces last seen (kept while stopped, stored across restarts).</summary>
    public Bitfield? Have { get; set; }

    /// <summary>A local error that stopped it (disk full, unsafe torrent, missing folder); cleared by a start.</summary>
    public string? LocalError { get; set; }

    public TorrentPhase Phase { get; set; }

    public EngineTorrent? Engine { get; set; }

    /// <summary>The engine's numbers from the last tick (null when not running).</summary>
    public EngineProgress? LastProgress { get; set; }

    public double CheckProgress { get; set; }

    public double MetadataProgress { get; set; }

    /// <summary>Cancels a start in progress (a metadata fetch or a recheck) when the torrent is stopped or removed.</summary>
    public CancellationTokenSource? StartCancel { get; set; }

    /// <summary>When it last uploaded or downloaded anything (for the idle-seeding limit and "stalled").</summary>
    public DateTimeOffset LastTransfer { get; set; }

    public SemaphoreSlim Gate { get; } = new(1, 1);

    public bool Removed { get; set; }

    public TorrentInfo? Info => Metainfo?.Info;

    /// <summary>Its name as renamed by the user (torrent-rename-path of its top folder), else the torrent's.</summary>
    public string Name => Info is { } info ? TorrentPaths.Name(info, Settings) : Magnet?.DisplayName ?? InfoHash.ToHex();

    public IReadOnlyList<IReadOnlyList<string>> TrackerTiers =>
        EditedTrackers ?? Metainfo?.AnnounceTiers ?? (Magnet is null ? [] : [.. Magnet.Trackers.Select(t => (IReadOnlyList<string>)[t])]);

    /// <summary>Every wanted piece verified (as last seen): nothing left to download, so it runs as a seed.</summary>
    public bool IsComplete => LastProgress?.IsComplete ?? (Info is { } info && Have is { } have &&
        (have.IsComplete || Settings.Wanted.Count > 0 && FileProgress.WhenDone(info, Settings.IsWanted, have).LeftUntilDone == 0));

    public long Uploaded => UploadedBefore + (LastProgress?.Uploaded ?? 0);

    public long Downloaded => DownloadedBefore + (LastProgress?.Downloaded ?? 0);

    public long Corrupt => CorruptBefore + (LastProgress?.Wasted ?? 0);

    public long VerifiedBytes => LastProgress?.VerifiedBytes ?? (Info is null ? 0 : FileProgress.Verified(Info, Have));

    public TorrentActivity Activity => Phase switch
    {
        TorrentPhase.Queued => IsComplete ? TorrentActivity.QueuedToSeed : TorrentActivity.QueuedToDownload,
        TorrentPhase.CheckWait => TorrentActivity.QueuedToVerify,
        TorrentPhase.Checking => TorrentActivity.Verifying,
        TorrentPhase.FetchingMetadata => TorrentActivity.Downloading,
        TorrentPhase.Running => IsComplete ? TorrentActivity.Seeding : TorrentActivity.Downloading,
        _ => TorrentActivity.Stopped,
    };

    /// <summary>Ratio as Transmission computes it: uploaded over downloaded (or over what we have, when nothing was downloaded).</summary>
    public double Ratio
    {
        get
        {
            long denominator = Downloaded > 0 ? Downloaded : VerifiedBytes;
            if (denominator > 0) return (double)Uploaded / denominator;
            return Uploaded > 0 ? -2 : -1;
        }
    }

    /// <summary>Folds the running engine's counters into the totals (when it stops).</summary>
    public void AbsorbEngineCounters()
    {
        if (LastProgress is not { } last) return;
        UploadedBefore += last.Uploaded;
        DownloadedBefore += last.Downloaded;
        CorruptBefore += last.Wasted;
        LastProgress = null;
    }

    public void Touch(DateTimeOffset now)
    {
        if (now > AnyDate) AnyDate = now;
    }
}
