using Shoal.Client;
using Shoal.Metainfo;
using Shoal.Storage;
using Shoal.Swarm;
using Shoal.Trackers;

namespace Shoal.Daemon.Engine;

/// <summary>
/// The daemon's one coupling to the peer engine: one <see cref="ShoalClient"/> (one listening port) for every torrent.
/// Everything else in the daemon sees <see cref="EngineTorrent"/> and the records of <c>EngineViews.cs</c>, never the
/// library's engine types, so reshaping the engine touches this file only.
/// </summary>
/// <remarks>
/// The <c>Apply…</c> methods are the seams for what the engine cannot do yet. Each returns whether the engine honours the
/// setting; the daemon stores and reports the setting either way. Today they all return false: file selection and
/// priorities, sequential download, per-torrent speed limits and per-torrent peer limits are recorded, not enforced.
/// </remarks>
public sealed class EngineHost : IAsyncDisposable
{
    private readonly ShoalClient _client;
    private readonly string _resumeDirectory;

    private EngineHost(ShoalClient client, string resumeDirectory)
    {
        _client = client;
        _resumeDirectory = resumeDirectory;
    }

    /// <summary>The TCP port peers reach us on.</summary>
    public int ListenPort => _client.ListenPort;

    /// <summary>Starts the engine (binds the peer port). Resume records go to <paramref name="resumeDirectory"/>, not beside the data.</summary>
    public static async Task<EngineHost> StartAsync(ClientOptions options, string resumeDirectory)
    {
        ArgumentNullException.ThrowIfNull(options);
        Directory.CreateDirectory(resumeDirectory);
        var client = await ShoalClient.StartAsync(options with { Storage = options.Storage with { ResumeDirectory = resumeDirectory } })
            .ConfigureAwait(false);
        return new EngineHost(client, resumeDirectory);
    }

    /// <summary>Global caps in bytes per second (0 = unlimited), applied at once to every connection.</summary>
    public void SetSpeedLimits(long uploadBytesPerSecond, long downloadBytesPerSecond)
    {
        _client.Engine.UploadLimiter.BytesPerSecond = Math.Max(0, uploadBytesPerSecond);
        _client.Engine.DownloadLimiter.BytesPerSecond = Math.Max(0, downloadBytesPerSecond);
    }

    /// <summary>
    /// Opens the torrent's data under <paramref name="downloadDirectory"/> (an unchanged resume record skips the recheck;
    /// <paramref name="recheck"/> reports the fraction hashed otherwise) and starts sharing it.
    /// </summary>
    public async Task<EngineTorrent> StartAsync(Torrent torrent, string downloadDirectory, Action<double>? recheck, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(torrent);
        int hashed = 0;
        var reporter = RecheckReporter(p =>
        {
            hashed = p.Checked;
            recheck?.Invoke(p.ToCheck == 0 ? 1 : (double)p.Checked / p.ToCheck);
        });
        var managed = await _client.AddAsync(torrent.Info, torrent.AnnounceTiers, downloadDirectory, reporter, ct).ConfigureAwait(false);
        return new EngineTorrent(managed, torrent) { PiecesHashedAtStart = hashed };
    }

    /// <summary>
    /// Fetches a magnet link's metadata from peers (<paramref name="metadata"/> reports the fraction received), then opens
    /// the data and starts sharing. Cancelling before the metadata arrives stops everything it started.
    /// </summary>
    public async Task<EngineTorrent> StartMagnetAsync(MagnetLink link, string downloadDirectory, Action<double>? metadata, Action<double>? recheck,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(link);
        IProgress<MetadataProgress>? fetch = metadata is null ? null : new Reporter<MetadataProgress>(p => metadata(p.Fraction));
        var managed = await _client.AddMagnetAsync(link, downloadDirectory, extraPeers: null, fetch, RecheckReporter(Fraction(recheck)), ct).ConfigureAwait(false);
        return new EngineTorrent(managed, managed.ToTorrent());
    }

    /// <summary>
    /// Checks the data of a torrent that is not running and returns what verified: every piece when <paramref name="fullCheck"/>,
    /// else what an unchanged resume record does not vouch for. The resume record is rewritten.
    /// </summary>
    public async Task<Bitfield> CheckAsync(TorrentInfo info, string downloadDirectory, Action<double>? recheck, bool fullCheck, CancellationToken ct)
    {
        if (fullCheck) ForgetResumeRecord(info.InfoHash);
        var options = _client.Options.Storage with { ResumeDirectory = _resumeDirectory, CheckFreeSpace = false };
        await using var storage = await FileStorage.OpenAsync(info, downloadDirectory, options, RecheckReporter(Fraction(recheck)), ct).ConfigureAwait(false);
        return storage.Verified.Clone();
    }

    /// <summary>Makes the next start hash all existing data instead of trusting the resume record (verify, moved data).</summary>
    public void ForgetResumeRecord(InfoHash infoHash)
    {
        // The file name is FileStorage's (StoragePaths.ResumeRecordPath); when storage gains a "force recheck" option this goes.
        var path = Path.Join(_resumeDirectory, infoHash.ToHex() + ".resume");
        try { File.Delete(path); }
        catch (IOException) { /* the recheck is the truth anyway; a stale record is still checked against the files */ }
    }

    /// <summary>
    /// Seam for the engine's file selection (issue 12, item 4): wanted files and low(-1)/normal(0)/high(1) priorities.
    /// Not honoured yet: the picker fetches every piece.
    /// </summary>
#pragma warning disable CA1822, IDE0060 // instance seams with unused parameters until the engine work fills them in
    public bool ApplyFileSelection(EngineTorrent torrent, IReadOnlyList<bool> wanted, IReadOnlyList<int> priorities) => false;

    /// <summary>Seam for sequential download (pieces in order, first and last first). Not honoured yet.</summary>
    public bool ApplySequential(EngineTorrent torrent, bool sequential) => false;

    /// <summary>Seam for per-torrent speed limits in bytes per second (null = none). Not honoured yet: only the global limits apply.</summary>
    public bool ApplyTorrentSpeedLimits(EngineTorrent torrent, long? uploadBytesPerSecond, long? downloadBytesPerSecond) => false;

    /// <summary>Seam for a per-torrent peer limit. Not honoured yet: the engine's per-torrent limit is fixed at start (--max-peers).</summary>
    public bool ApplyPeerLimit(EngineTorrent torrent, int maxPeers) => false;

    /// <summary>Seam for renaming a torrent's file or folder on disk (storage maps files by their names in the torrent). Not supported yet.</summary>
    public bool CanRenamePaths => false;
#pragma warning restore CA1822, IDE0060

    /// <summary>Stops every torrent (stop announces with a deadline, resume records written) and closes the peer port.</summary>
    public ValueTask DisposeAsync() => _client.DisposeAsync();

    private static IProgress<RecheckProgress>? RecheckReporter(Action<RecheckProgress>? report) =>
        report is null ? null : new Reporter<RecheckProgress>(report);

    private static Action<RecheckProgress>? Fraction(Action<double>? report) =>
        report is null ? null : p => report(p.ToCheck == 0 ? 1 : (double)p.Checked / p.ToCheck);

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; would post to the thread pool, out of order).</summary>
    private sealed class Reporter<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}

/// <summary>A torrent running in the engine: its numbers, peers and trackers, and how to stop it.</summary>
public sealed class EngineTorrent
{
    private readonly ManagedTorrent _managed;

    internal EngineTorrent(ManagedTorrent managed, Torrent torrent)
    {
        _managed = managed;
        Torrent = torrent;
    }

    /// <summary>The metainfo being shared (for a magnet link: the fetched info dictionary with the link's trackers).</summary>
    public Torrent Torrent { get; }

    public TorrentInfo Info => _managed.Info;

    /// <summary>Pieces hashed when the data was opened (0 when an unchanged resume record vouched for everything).</summary>
    public int PiecesHashedAtStart { get; init; }

    /// <summary>A copy of the verified pieces.</summary>
    public Bitfield Have() => _managed.Session.SnapshotHave();

    public EngineProgress Progress()
    {
        var status = _managed.Status;
        int tracker = 0, incoming = 0, pex = 0, lsd = 0, dht = 0, other = 0, sending = 0, getting = 0;
        foreach (var peer in status.Peers)
        {
            switch (Origin(peer))
            {
                case PeerOrigin.Tracker: tracker++; break;
                case PeerOrigin.Incoming: incoming++; break;
                case PeerOrigin.PeerExchange: pex++; break;
                case PeerOrigin.LocalDiscovery: lsd++; break;
                case PeerOrigin.Dht: dht++; break;
                default: other++; break;
            }
            if (!peer.PeerChoking && peer.AmInterested) sending++;
            if (!peer.AmChoking && peer.PeerInterested) getting++;
        }
        return new EngineProgress(status.State == TorrentState.Seeding, status.State == TorrentState.Error ? status.Error ?? "storage error" : null,
            status.VerifiedBytes, status.PiecesVerified, (long)status.DownloadRate, (long)status.UploadRate, status.Downloaded, status.Uploaded,
            status.Wasted, status.Peers.Count, sending, getting, status.KnownPeers, new PeerOriginCounts(tracker, incoming, pex, lsd, dht, other));
    }

    public IReadOnlyList<PeerView> Peers() =>
        [.. _managed.Status.Peers.Select(p => new PeerView(p.EndPoint.Address.ToString(), p.EndPoint.Port, p.Client, p.PeerChoking, p.AmInterested,
            p.AmChoking, p.PeerInterested, p.Incoming, IsEncrypted: false, IsUtp: false, p.IsSeed, p.Progress, (long)p.DownloadRate, (long)p.UploadRate,
            Origin(p)))];

    public IReadOnlyList<TrackerView> Trackers() =>
        [.. _managed.Trackers.Select((t, i) => new TrackerView(i, t.Tier, t.Url, Activity(t.State), t.LastAnnounce, t.NextAnnounce, t.LastError,
            t.WarningMessage, t.LastPeerCount, t.Seeders, t.Leechers))];

    /// <summary>Asks the trackers for more peers now (within their min interval).</summary>
    public void Reannounce() => _managed.Reannounce();

    /// <summary>Announces 'stopped' (with a deadline), closes connections, flushes and saves the resume record.</summary>
    public Task StopAsync() => _managed.StopAsync().AsTask();

    private static PeerOrigin Origin(PeerStatus peer) => peer.Incoming ? PeerOrigin.Incoming : peer.Source switch
    {
        PeerSource.Tracker => PeerOrigin.Tracker,
        PeerSource.PeerExchange => PeerOrigin.PeerExchange,
        PeerSource.LocalDiscovery => PeerOrigin.LocalDiscovery,
        PeerSource.Dht => PeerOrigin.Dht,
        PeerSource.Incoming => PeerOrigin.Incoming,
        _ => PeerOrigin.Manual,
    };

    private static TrackerActivity Activity(TrackerState state) => state switch
    {
        TrackerState.Announcing => TrackerActivity.Announcing,
        TrackerState.Working => TrackerActivity.Working,
        TrackerState.Failing => TrackerActivity.Failing,
        TrackerState.Invalid => TrackerActivity.Invalid,
        _ => TrackerActivity.Idle,
    };
}
