using System.Net;
using Shoal.Metainfo;
using Shoal.Storage;
using Shoal.Swarm;
using Shoal.Trackers;

namespace Shoal.Client;

/// <summary>
/// A torrent being shared by a <see cref="ShoalClient"/>: its session, storage and trackers together. A torrent added
/// from a magnet link exists at once: it announces and connects while its metadata is fetched, then opens its storage
/// and downloads over the same connections (<see cref="MetadataReceived"/>, <see cref="Ready"/>).
/// </summary>
public sealed partial class ManagedTorrent
{
    private readonly ShoalClient _client;
    private readonly Lock _sync = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private readonly string? _displayName;
    private SwarmAnnouncers? _trackers;
    private Task? _stopTask;

    /// <param name="open">For a magnet link: opens the storage once the metadata is known; null when storage is attached already.</param>
    internal ManagedTorrent(ShoalClient client, TorrentSession session, IReadOnlyList<IReadOnlyList<string>> trackers, string? displayName,
        Func<TorrentInfo, CancellationToken, Task<IPieceStorage>>? open)
    {
        _client = client;
        _displayName = displayName;
        Session = session;
        AnnounceTiers = trackers;
        _trackers = CreateTrackers();
        // 'completed' tells the tracker we have it all: not when only the wanted files of a selection are done.
        Session.Completed += () =>
        {
            if (Session.IsSeed) Announcer?.AnnounceNow(AnnounceEvent.Completed);
        };
        if (open is null) _ready.TrySetResult();
        else _ = OpenWhenMetadataArrivesAsync(open);
    }

    public TorrentSession Session { get; }

    /// <summary>Where the data is; null until a magnet link's metadata arrived and its storage was opened.</summary>
    public IPieceStorage? Storage => Session.Storage;

    /// <summary>The metadata. Throws <see cref="InvalidOperationException"/> until a magnet link's has arrived (see <see cref="HasMetadata"/>).</summary>
    public TorrentInfo Info => Session.Info;

    public InfoHash InfoHash => Session.InfoHash;

    public bool HasMetadata => Session.HasMetadata;

    /// <summary>The torrent's name, or for a magnet link still without metadata its display name (or info-hash).</summary>
    public string Name => HasMetadata ? Info.Name : _displayName ?? InfoHash.ToHex();

    /// <summary>Completes with the metadata (at once for a .torrent); cancelled if the torrent stops first.</summary>
    public Task<TorrentInfo> MetadataReceived => Session.MetadataReceived;

    /// <summary>Completes when storage is open and checked and the download runs; faults if the storage cannot be opened.</summary>
    public Task Ready => _ready.Task;

    /// <summary>The port peers reach us on (announced to trackers).</summary>
    public int ListenPort => _client.ListenPort;

    /// <summary>Completes when every piece has verified; faults on a storage error.</summary>
    public Task Completion => Session.Completion;

    public TorrentStatus Status => Session.GetStatus();

    /// <summary>The trackers as announced to in the torrent's first swarm (a hybrid's v1 one; see <see cref="SwarmHashes"/>).</summary>
    public IReadOnlyList<TrackerStatus> Trackers => Announcer?.Status ?? [];

    /// <summary>The hashes the torrent is announced and found under: its info-hash, and a hybrid's truncated v2 hash too.</summary>
    public IReadOnlyList<InfoHash> SwarmHashes => Session.SwarmHashes;

    /// <summary>The tracker tiers this torrent was added with.</summary>
    public IReadOnlyList<IReadOnlyList<string>> AnnounceTiers { get; }

    public bool IsPaused => Session.IsPaused;

    /// <summary>A .torrent for what is shared (its info dictionary byte for byte, its trackers and web seeds), e.g. to save a magnet's metadata.</summary>
    public Torrent ToTorrent() => new(Info, AnnounceTiers, webSeeds: WebSeedUrls, pieceLayers: Info.PieceLayers); // a v2 magnet's layers, fetched from peers

    /// <summary>The web seeds given to <see cref="AddWebSeeds"/> and accepted (used once the metadata is known).</summary>
    public IReadOnlyList<string> WebSeedUrls
    {
        get { lock (_sync) return [.. _webSeedUrls]; }
    }

    private readonly List<string> _webSeedUrls = [];
    private (List<Uri> Urls, bool FromUser)? _pendingWebSeeds;

    /// <summary>Adds peer addresses given by hand (<c>--peer</c>).</summary>
    public void AddPeers(IEnumerable<IPEndPoint> peers) => Session.AddPeers(peers, PeerSource.Manual);

    /// <summary>
    /// Uses the torrent's web seeds (BEP 19 'url-list', e.g. <see cref="Torrent.WebSeeds"/>) beside its peers.
    /// <paramref name="fromUser"/>: the torrent came from the user (a file they gave), so web seeds on private addresses
    /// (this machine, the LAN) may be used. Returns why each unusable URL was ignored (BEP 19: ignored, not fatal).
    /// Before a magnet link's metadata has arrived they are kept, and used from then on (a magnet's 'ws').
    /// </summary>
    public IReadOnlyList<string> AddWebSeeds(IEnumerable<string> urls, bool fromUser)
    {
        ArgumentNullException.ThrowIfNull(urls);
        var usable = new List<Uri>();
        var ignored = new List<string>();
        foreach (var text in urls)
        {
            if (Swarm.WebSeeds.WebSeedUrls.TryParse(text, out var url, out var error)) usable.Add(url!);
            else ignored.Add($"web seed '{(text.Length > 200 ? text[..200] + "…" : text)}' ignored: {error}");
        }
        if (usable.Count == 0) return ignored;
        lock (_sync)
        {
            _webSeedUrls.AddRange(usable.Select(u => u.OriginalString).Where(u => !_webSeedUrls.Contains(u)));
            if (!HasMetadata)
            {
                // Applied by OpenWhenMetadataArrivesAsync; checked again there, under this lock, against a race with it.
                var pending = _pendingWebSeeds ??= ([], fromUser);
                pending.Urls.AddRange(usable);
                _pendingWebSeeds = (pending.Urls, pending.FromUser && fromUser);
                return ignored;
            }
        }
        Session.AddWebSeeds(usable, fromUser);
        return ignored;
    }

    /// <summary>Asks every tracker for more peers as soon as its min interval allows (a user's "re-announce").</summary>
    public void Reannounce() => Announcer?.AnnounceNow();

    /// <summary>This torrent's LSD registration, if LSD runs (disposed at stop).</summary>
    internal IDisposable? LocalDiscovery { get; set; }

    private SwarmAnnouncers? Announcer
    {
        get { lock (_sync) return _trackers; }
    }

    internal void Start() => Announcer?.Start();

    /// <summary>Closes every connection and stops announcing ('stopped'); storage stays open. <see cref="Resume"/> undoes it.</summary>
    public async Task PauseAsync()
    {
        SwarmAnnouncers? trackers;
        lock (_sync)
        {
            if (_stopTask is not null) return;
            trackers = _trackers;
            _trackers = null;
        }
        StopDht();
        await Session.PauseAsync().ConfigureAwait(false);
        if (trackers is not null) await trackers.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Connects and announces again after <see cref="PauseAsync"/>.</summary>
    public void Resume()
    {
        SwarmAnnouncers? trackers;
        lock (_sync)
        {
            if (_stopTask is not null || _trackers is not null || !Session.IsPaused) return;
            trackers = _trackers = CreateTrackers();
        }
        Session.Resume();
        trackers?.Start();
        StartDht(isPrivate: false);
    }

    /// <summary>Announces 'stopped' (briefly), stops the session and closes storage (saving the resume record).</summary>
    public ValueTask StopAsync()
    {
        lock (_sync) _stopTask ??= StopCoreAsync();
        return new ValueTask(_stopTask);
    }

    private async Task StopCoreAsync()
    {
        _client.Forget(this);
        await _stopping.CancelAsync().ConfigureAwait(false);
        LocalDiscovery?.Dispose();
        StopDht(forever: true);
        await Session.DisposeAsync().ConfigureAwait(false);
        SwarmAnnouncers? trackers;
        lock (_sync)
        {
            trackers = _trackers;
            _trackers = null;
        }
        if (trackers is not null) await trackers.DisposeAsync().ConfigureAwait(false);
        // A magnet link's storage may still be opening: it is disposed as soon as it is (see below).
        try { await _ready.Task.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing); } finally { _ready.TrySetCanceled(); }
        if (Session.Storage is { } storage) await storage.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>One announce scheduler per swarm: a hybrid is announced to every tracker under both of its hashes (as libtorrent does).</summary>
    private SwarmAnnouncers? CreateTrackers()
    {
        if (!AnnounceTiers.Any(t => t.Count > 0)) return null;
        var options = _client.Options;
        var schedulers = new List<AnnounceScheduler>();
        foreach (var swarm in Session.SwarmHashes)
        {
            var scheduler = new AnnounceScheduler(AnnounceTiers, () => BuildRequest(swarm), options.Trackers, options.Time, options.Loggers?.CreateLogger("Shoal.Trackers"));
            // A tracker on this machine may send us to loopback peers (tests, a local swarm); a remote one may not.
            scheduler.PeersDiscoveredFrom += (peers, tracker) =>
                Session.AddPeers(peers, PeerSource.Tracker, tracker.IsLoopback ? IPAddress.Loopback : null, swarm);
            schedulers.Add(scheduler);
        }
        return new SwarmAnnouncers(schedulers);
    }

    /// <summary>A magnet link: once the metadata is in, open (and check) the storage and let the download start.</summary>
    private async Task OpenWhenMetadataArrivesAsync(Func<TorrentInfo, CancellationToken, Task<IPieceStorage>> open)
    {
        TorrentInfo info;
        try
        {
            info = await Session.MetadataReceived.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            if (ex is OperationCanceledException) _ready.TrySetCanceled();
            else _ready.TrySetException(ex);
            return;
        }
        (List<Uri> Urls, bool FromUser)? webSeeds;
        lock (_sync)
        {
            webSeeds = _pendingWebSeeds;
            _pendingWebSeeds = null;
        }
        if (webSeeds is { } seeds) Session.AddWebSeeds(seeds.Urls, seeds.FromUser);
        // BEP 27: the metadata may say the torrent is private: no LSD for it from now on.
        if (info.IsPrivate)
        {
            LocalDiscovery?.Dispose();
            StopDht(forever: true);
        }
        IPieceStorage storage;
        try
        {
            storage = await open(info, _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            _ready.TrySetCanceled();
            return;
        }
        catch (Exception ex)
        {
            Session.Fail(ex);
            _ready.TrySetException(ex);
            return;
        }
        if (_stopping.IsCancellationRequested || !Session.AttachStorage(storage))
        {
            await storage.DisposeAsync().ConfigureAwait(false);
            _ready.TrySetCanceled();
            return;
        }
        _ready.TrySetResult();
    }

    internal AnnounceRequest BuildRequest(InfoHash swarm)
    {
        var options = _client.Options;
        return new AnnounceRequest(swarm, _client.Engine.PeerId, _client.ListenPort, Session.Uploaded, Session.Downloaded,
            Session.Left, AnnounceEvent.None, options.NumWant, options.AnnounceAddress?.ToString());
    }
}
