using Shoal.Client;
using Shoal.Metainfo;
using Shoal.Storage;
using Shoal.Swarm;
using Shoal.Trackers;
using Shoal.Transport;

namespace Shoal.Daemon.Engine;

/// <summary>
/// The daemon's one coupling to the peer engine: one <see cref="ShoalClient"/> (one listening port) for every torrent.
/// Everything else in the daemon sees <see cref="EngineTorrent"/> and the records of <c>EngineViews.cs</c>, never the
/// library's engine types, so reshaping the engine touches this file only.
/// </summary>
/// <remarks>
/// The <c>Apply…</c> methods hand a running torrent the settings the daemon stores (file selection and priorities,
/// sequential download, per-torrent speed and peer limits). Each returns whether the engine honours the setting; the
/// daemon stores and reports it either way. Renamed files (torrent-rename-path) are opened under their new paths.
/// </remarks>
public sealed class EngineHost : IAsyncDisposable
{
    private readonly ShoalClient _client;
    private readonly string _resumeDirectory;
    private readonly Dictionary<string, (TokenBucket Up, TokenBucket Down)> _groups = new(StringComparer.Ordinal);

    private EngineHost(ShoalClient client, string resumeDirectory)
    {
        _client = client;
        _resumeDirectory = resumeDirectory;
        Transports = client.Options.Switches!;
    }

    /// <summary>Encryption and uTP, switchable while running (session-set `encryption`, `utp-enabled`).</summary>
    public TransportSwitches Transports { get; }

    /// <summary>Whether the engine has a UDP port, so uTP can be switched on.</summary>
    public bool UtpAvailable => _client.Datagrams is not null;

    /// <summary>Whether a DHT node runs now.</summary>
    public bool DhtRunning => _client.Dht is not null;

    /// <summary>Nodes in the DHT's routing tables, or null when no DHT runs.</summary>
    public int? DhtNodes => _client.Dht?.GetStats() is { } stats ? stats.Nodes + stats.Nodes6 : null;

    /// <summary>Starts or stops the DHT node while running; returns whether one runs now (never without a UDP port).</summary>
    public Task<bool> SetDhtEnabledAsync(bool enabled) => _client.SetDhtEnabledAsync(enabled);

    /// <summary>The TCP port peers reach us on.</summary>
    public int ListenPort => _client.ListenPort;

    /// <summary>Starts the engine (binds the peer port). Resume records go to <paramref name="resumeDirectory"/>, not beside the data.</summary>
    public static async Task<EngineHost> StartAsync(ClientOptions options, string resumeDirectory)
    {
        ArgumentNullException.ThrowIfNull(options);
        Directory.CreateDirectory(resumeDirectory);
        var switches = options.Switches ?? new TransportSwitches(options.Encryption, options.TransportMode.UsesUtp() && options.Datagrams is not null);
        var client = await ShoalClient.StartAsync(options with { Storage = options.Storage with { ResumeDirectory = resumeDirectory }, Switches = switches })
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
    /// <paramref name="recheck"/> reports the fraction hashed otherwise) and starts sharing it. Files
    /// <paramref name="wantedFiles"/> says no to (null: every file wanted) are kept off the disk from the first byte;
    /// <paramref name="filePaths"/> are the files' paths as renamed (<see cref="StorageOptions.FilePaths"/>), or null.
    /// </summary>
    public async Task<EngineTorrent> StartAsync(Torrent torrent, string downloadDirectory, IReadOnlyList<bool>? wantedFiles, Action<double>? recheck,
        CancellationToken ct, IReadOnlyList<IReadOnlyList<string>?>? filePaths = null)
    {
        ArgumentNullException.ThrowIfNull(torrent);
        int hashed = 0;
        var reporter = RecheckReporter(p =>
        {
            hashed = p.Checked;
            recheck?.Invoke(p.ToCheck == 0 ? 1 : (double)p.Checked / p.ToCheck);
        });
        var info = torrent.Info;
        var storage = await FileStorage.OpenAsync(info, downloadDirectory, _client.Options.Storage with { SkippedFiles = Skipped(info, wantedFiles), FilePaths = filePaths },
            reporter, ct)
            .ConfigureAwait(false);
        var managed = _client.Add(info, torrent.AnnounceTiers, storage);
        // The user added it (through the authenticated RPC), so its web seeds may be on their own network, as with `shoal get`.
        managed.AddWebSeeds(torrent.WebSeeds, fromUser: true);
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
    /// Starts a v2 torrent whose .torrent lacks piece layers the way a magnet link starts: the layers come from peers'
    /// answers to hash requests (<paramref name="layers"/> reports the fraction received), then the data is opened (and
    /// rechecked against them) and shared. Cancelling before then stops everything it started.
    /// </summary>
    public async Task<EngineTorrent> StartFetchingLayersAsync(Torrent torrent, string downloadDirectory, IReadOnlyList<bool>? wantedFiles, Action<double>? layers,
        Action<double>? recheck, CancellationToken ct, IReadOnlyList<IReadOnlyList<string>?>? filePaths = null)
    {
        ArgumentNullException.ThrowIfNull(torrent);
        IProgress<MetadataProgress>? fetch = layers is null ? null : new Reporter<MetadataProgress>(p => layers(p.Fraction));
        var storage = _client.Options.Storage with { SkippedFiles = Skipped(torrent.Info, wantedFiles), FilePaths = filePaths };
        var managed = await _client.AddFetchingLayersAsync(torrent.Info, torrent.AnnounceTiers, downloadDirectory, storage, fetch, RecheckReporter(Fraction(recheck)), ct)
            .ConfigureAwait(false);
        managed.AddWebSeeds(torrent.WebSeeds, fromUser: true);
        return new EngineTorrent(managed, managed.ToTorrent());
    }

    /// <summary>How the engine opens data (links followed or not, ...), for work on it outside a running torrent.</summary>
    public StorageOptions StorageOptions => _client.Options.Storage;

    /// <summary>
    /// Checks the data of a torrent that is not running and returns what verified: every piece when <paramref name="fullCheck"/>,
    /// else what an unchanged resume record does not vouch for. The resume record is rewritten.
    /// </summary>
    public async Task<Bitfield> CheckAsync(TorrentInfo info, string downloadDirectory, Action<double>? recheck, bool fullCheck, CancellationToken ct,
        IReadOnlyList<bool>? wantedFiles = null, IReadOnlyList<IReadOnlyList<string>?>? filePaths = null)
    {
        if (fullCheck) ForgetResumeRecord(info.InfoHash);
        var options = _client.Options.Storage with { ResumeDirectory = _resumeDirectory, CheckFreeSpace = false, SkippedFiles = Skipped(info, wantedFiles),
            FilePaths = filePaths };
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
    /// The torrent's file selection (issue 12, item 4): wanted files and low(-1)/normal(0)/high(1) priorities. The picker
    /// then fetches only pieces of wanted files, higher priority first, and the torrent is done when those verified.
    /// Returns whether the engine honours it (always, once the metadata is known).
    /// </summary>
    public bool ApplyFileSelection(EngineTorrent torrent, IReadOnlyList<bool> wanted, IReadOnlyList<int> priorities)
    {
        ArgumentNullException.ThrowIfNull(torrent);
        return torrent.SetFiles(wanted, priorities);
    }

    /// <summary>Sequential download: new pieces are started in index order (within a priority), not rarest first.</summary>
    public bool ApplySequential(EngineTorrent torrent, bool sequential)
    {
        ArgumentNullException.ThrowIfNull(torrent);
        return torrent.SetSequential(sequential);
    }

    /// <summary>
    /// Per-torrent speed limits in bytes per second (null = none), under its bandwidth group's (<paramref name="group"/>,
    /// see <see cref="SetGroupLimits"/>; none when empty) or else the global ones, unless <paramref name="honorsSessionLimits"/>
    /// is false (Transmission's honorsSessionLimits: then only its own).
    /// </summary>
    public bool ApplyTorrentSpeedLimits(EngineTorrent torrent, long? uploadBytesPerSecond, long? downloadBytesPerSecond, bool honorsSessionLimits = true,
        string group = "")
    {
        ArgumentNullException.ThrowIfNull(torrent);
        var session = torrent.Session;
        session.UploadLimiter.BytesPerSecond = Math.Max(0, uploadBytesPerSecond ?? 0);
        session.DownloadLimiter.BytesPerSecond = Math.Max(0, downloadBytesPerSecond ?? 0);
        (TokenBucket Up, TokenBucket Down)? parents = !honorsSessionLimits ? null : GroupBuckets(group) ?? (_client.Engine.UploadLimiter, _client.Engine.DownloadLimiter);
        session.UploadLimiter.Parent = parents?.Up;
        session.DownloadLimiter.Parent = parents?.Down;
        return true;
    }

    /// <summary>
    /// A bandwidth group's shared caps in bytes per second (0 = none), under the global ones when <paramref name="honorsSessionLimits"/>.
    /// Torrents in it (<see cref="ApplyTorrentSpeedLimits"/>) feel a change at once.
    /// </summary>
    public void SetGroupLimits(string name, long uploadBytesPerSecond, long downloadBytesPerSecond, bool honorsSessionLimits)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        (TokenBucket Up, TokenBucket Down) buckets;
        lock (_groups)
        {
            if (!_groups.TryGetValue(name, out buckets))
                _groups[name] = buckets = (new TokenBucket(0, _client.Options.Time), new TokenBucket(0, _client.Options.Time));
        }
        buckets.Up.BytesPerSecond = Math.Max(0, uploadBytesPerSecond);
        buckets.Down.BytesPerSecond = Math.Max(0, downloadBytesPerSecond);
        buckets.Up.Parent = honorsSessionLimits ? _client.Engine.UploadLimiter : null;
        buckets.Down.Parent = honorsSessionLimits ? _client.Engine.DownloadLimiter : null;
    }

    /// <summary>The engine's (session-wide) upload cap, for tests.</summary>
    internal TokenBucket UploadLimiterForTests => _client.Engine.UploadLimiter;

    private (TokenBucket Up, TokenBucket Down)? GroupBuckets(string group)
    {
        if (group.Length == 0) return null;
        lock (_groups) return _groups.TryGetValue(group, out var buckets) ? buckets : null;
    }

    /// <summary>Most peers connected to this torrent at once; lowering it closes the slowest connections over the limit.</summary>
    public bool ApplyPeerLimit(EngineTorrent torrent, int maxPeers)
    {
        ArgumentNullException.ThrowIfNull(torrent);
        if (maxPeers <= 0) return false;
        torrent.Session.MaxConnections = maxPeers;
        return true;
    }

    /// <summary>Stops every torrent (stop announces with a deadline, resume records written) and closes the peer port.</summary>
    public ValueTask DisposeAsync() => _client.DisposeAsync();

    /// <summary>Storage's flags (true = skipped) from the daemon's (true = wanted); null when every file is wanted or the counts differ.</summary>
    private static bool[]? Skipped(TorrentInfo info, IReadOnlyList<bool>? wanted) =>
        wanted is not null && wanted.Count == info.Files.Count && wanted.Contains(false) ? [.. wanted.Select(w => !w)] : null;

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

    internal TorrentSession Session => _managed.Session;

    /// <summary>Whether it is announced on the DHT now (for tests).</summary>
    internal bool IsOnDht => _managed.IsOnDht;

    /// <summary>Pieces being downloaded or verified now.</summary>
    public Bitfield InFlight() => _managed.Session.SnapshotInFlight();

    /// <summary>Per piece: -1 when we have it, else how many connected peers have it.</summary>
    public int[] Availability() => _managed.Session.GetAvailability();

    /// <summary>Files to fetch and their priorities (the sequential flag kept); false when the counts do not match the torrent.</summary>
    internal bool SetFiles(IReadOnlyList<bool> wanted, IReadOnlyList<int> priorities)
    {
        var info = Info;
        if (wanted.Count != info.Files.Count || priorities.Count != info.Files.Count) return false;
        var files = new Swarm.FilePriority[wanted.Count];
        for (int i = 0; i < files.Length; i++)
        {
            files[i] = !wanted[i] ? Swarm.FilePriority.Skip : priorities[i] switch
            {
                < 0 => Swarm.FilePriority.Low,
                > 0 => Swarm.FilePriority.High,
                _ => Swarm.FilePriority.Normal,
            };
        }
        lock (_policyLock)
        {
            Use(Selection().With(files));
            // Storage follows in order (a file wanted again gets its bytes back from the part file: disk I/O).
            bool[] skipped = [.. wanted.Select(w => !w)];
            var previous = _skipping;
            _skipping = KeepOffDiskAsync(previous, skipped);
        }
        return true;
    }

    private Task _skipping = Task.CompletedTask;
    private string? _storageError;

    private async Task KeepOffDiskAsync(Task previous, bool[] skipped)
    {
        await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_managed.Storage is not FileStorage storage) return;
        try
        {
            await storage.SetSkippedFilesAsync(skipped, CancellationToken.None).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // Stopped meanwhile: the next start opens storage with the stored selection.
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _storageError = $"cannot move a wanted file's data out of the part file: {ex.Message}";
        }
    }

    /// <summary>Completes when the storage has followed every file selection made so far (for tests).</summary>
    internal Task FileSelectionSettled
    {
        get { lock (_policyLock) return _skipping; }
    }

    internal bool SetSequential(bool sequential)
    {
        lock (_policyLock) Use(Selection().With(sequential, firstAndLastFirst: false));
        return true;
    }

    private readonly Lock _policyLock = new();

    private FileSelection Selection() => Session.PiecePolicy as FileSelection ?? FileSelection.All(Info);

    /// <summary>The default selection (every file, normal, rarest first) is no policy at all: the picker's fast path.</summary>
    private void Use(FileSelection next)
    {
        bool plain = next.WantsEveryFile && !next.Sequential && next.Priorities.All(p => p == Swarm.FilePriority.Normal);
        Session.SetPiecePolicy(plain ? null : next);
    }

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
        string? error = status.State == TorrentState.Error ? status.Error ?? "storage error" : Volatile.Read(ref _storageError);
        return new EngineProgress(status.State == TorrentState.Seeding, error,
            status.VerifiedBytes, status.PiecesVerified, (long)status.DownloadRate, (long)status.UploadRate, status.Downloaded, status.Uploaded,
            status.Wasted, status.Peers.Count, sending, getting, status.KnownPeers, new PeerOriginCounts(tracker, incoming, pex, lsd, dht, other),
            status.WebSeeds.Count(w => w.IsFetching));
    }

    public IReadOnlyList<PeerView> Peers()
    {
        var status = _managed.Status;
        return [.. status.Peers.Select(p => new PeerView(p.EndPoint.Address.ToString(), p.EndPoint.Port, p.Client, p.PeerChoking, p.AmInterested,
            p.AmChoking, p.PeerInterested, p.Incoming, p.IsEncrypted, p.Transport == TransportKind.Utp, p.IsSeed, p.Progress, (long)p.DownloadRate, (long)p.UploadRate,
            Origin(p), p.IsObfuscated)),
            // Web seeds that are not banned, as seeds we are interested in (choking us while they rest after an error).
            .. status.WebSeeds.Where(w => !w.IsBanned).Select(w => new PeerView(w.Url.Host, w.Url.Port, $"web seed {w.Url}", !w.IsWorking, true,
                true, false, false, w.Url.Scheme == "https", false, true, 1, (long)w.DownloadRate, 0, PeerOrigin.Manual))];
    }

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
