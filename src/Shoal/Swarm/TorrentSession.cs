using System.Net;
using Microsoft.Extensions.Logging;
using Shoal.Metainfo;
using Shoal.Storage;
using Shoal.Wire;

namespace Shoal.Swarm;

/// <summary>
/// One torrent in the engine, from a magnet link's bare info-hash to seeding. Without its metadata it connects,
/// handshakes, bans and limits like any torrent and fetches the info dictionary (BEP 9) over those connections; once
/// the metadata verified and storage is attached (<see cref="AttachStorage"/>) it downloads over the same connections.
/// The work is split among collaborators sharing one lock (<see cref="SwarmContext"/>): <see cref="Connections"/>
/// (dialling, accepting, duplicates), <see cref="MessageDispatch"/> (each message to its owner),
/// <see cref="RequestScheduler"/> (requests, endgame, interest), <see cref="Choking"/> (upload slots and admission),
/// <see cref="VerificationOutcomes"/> (haves, blame and bans), <see cref="PeerTimeouts"/>, and the extensions.
/// </summary>
public sealed partial class TorrentSession : IAsyncDisposable
{
    /// <summary>What is announced as 'left' before the metadata says the size (as libtorrent does: 0 would mean "seed").</summary>
    public const long UnknownLeft = 16 * 1024;

    private readonly SwarmContext _swarm;
    private readonly ExtensionRegistry _extensions = new();
    private readonly RequestScheduler _scheduler;
    private readonly Choking _choking;
    private readonly PeerTimeouts _timeouts;
    private readonly VerificationOutcomes _outcomes;
    private readonly MessageDispatch _dispatch;
    private readonly Connections _connections;
    private readonly MetadataExchange _metadata;
    private readonly WebSeeds.WebSeedSet _webSeeds;
    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<TorrentInfo> _metadataReceived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private PieceVerifier? _verifier;
    private int _ticking;

    /// <param name="v2Swarm">A hybrid's truncated v2 hash (<paramref name="infoHash"/> being its v1 one): its second swarm.</param>
    internal TorrentSession(ClientEngine engine, InfoHash infoHash, TorrentInfo? info, Random random, bool v2Only = false, InfoHash? v2Swarm = null)
    {
        Engine = engine;
        _swarm = new SwarmContext(engine, infoHash, random, engine.Loggers.CreateLogger($"Shoal.Swarm.{infoHash.ToHex()[..8]}")) { V2Swarm = v2Swarm };
        _scheduler = new RequestScheduler(_swarm);
        _choking = new Choking(_swarm);
        _timeouts = new PeerTimeouts(_swarm, _scheduler);
        _outcomes = new VerificationOutcomes(_swarm, _scheduler, new ProgressEvents(this));
        _dispatch = new MessageDispatch(_swarm, _scheduler, _choking, _extensions, () => _verifier);
        _connections = new Connections(_swarm, _dispatch, new Lifecycle(this));
        _swarm.WebSeeds = _webSeeds = new WebSeeds.WebSeedSet(_swarm, _scheduler, () => _verifier, () => engine.WebSeedClient);
        _metadata = new MetadataExchange(new Host(this), engine.Settings, info?.RawInfo);
        _extensions.Register(_metadata);
        if (engine.Settings.EnablePeerExchange && info?.IsPrivate != true) _extensions.Register(new PeerExchange(new Host(this)));
        _swarm.SpeaksV2 = v2Only;
        if (info is not null) SetInfo(info);
    }

    /// <summary>The metadata. Throws <see cref="InvalidOperationException"/> while a magnet link's is still being fetched
    /// (see <see cref="HasMetadata"/> and <see cref="MetadataReceived"/>).</summary>
    public TorrentInfo Info => _swarm.Info ?? throw new InvalidOperationException($"the metadata of {InfoHash} has not arrived yet");

    public bool HasMetadata => _swarm.Info is not null;

    /// <summary>Completes with the metadata: at once for a .torrent, when it is fetched and verified for a magnet link.
    /// Faults if the only metadata matching the info-hash is not a valid info dictionary; cancelled if the torrent stops first.</summary>
    public Task<TorrentInfo> MetadataReceived => _metadataReceived.Task;

    public InfoHash InfoHash => _swarm.InfoHash;

    /// <summary>
    /// Every swarm this torrent is in, by the 20-byte hash trackers, the DHT and handshakes use: <see cref="InfoHash"/>,
    /// then for a hybrid (BEP 52) its truncated v2 hash. A hybrid is announced under both and is one torrent inside.
    /// </summary>
    public IReadOnlyList<InfoHash> SwarmHashes => _swarm.V2Swarm is { } v2 ? [InfoHash, v2] : [InfoHash];

    /// <summary>Where the data goes; null until attached (a magnet link's after its metadata arrived).</summary>
    public IPieceStorage? Storage => _swarm.Storage;

    internal ClientEngine Engine { get; }

    internal IPeerExtension[] Extensions => [.. _extensions.All];

    /// <summary>
    /// Completes the first time every wanted piece has verified (every piece, without a file selection; at once for a
    /// seed); faults if storage fails.
    /// </summary>
    public Task Completion => _completed.Task;

    /// <summary>Every wanted piece verified: nothing more to download (see <see cref="SetPiecePolicy"/>).</summary>
    public bool IsComplete { get { lock (_swarm.Sync) return _swarm.IsComplete; } }

    /// <summary>Every piece of the torrent verified.</summary>
    public bool IsSeed { get { lock (_swarm.Sync) return _swarm.Picker?.IsComplete == true; } }

    public bool IsPaused { get { lock (_swarm.Sync) return _swarm.Paused; } }

    public long Downloaded => Interlocked.Read(ref _swarm.Downloaded);

    public long Uploaded => Interlocked.Read(ref _swarm.Uploaded);

    /// <summary>Bytes still missing (for tracker announces); <see cref="UnknownLeft"/> before the metadata.</summary>
    public long Left
    {
        get
        {
            lock (_swarm.Sync) return _swarm.Info is null ? UnknownLeft : _swarm.Info.DataLength - VerifiedBytes();
        }
    }

    /// <summary>Raised (on a worker thread) when a piece has verified and been written.</summary>
    public event Action<int>? PieceVerified;

    /// <summary>Raised when the last wanted piece verified (again if a new selection wanted more and that verified too).</summary>
    public event Action? Completed;

    /// <summary>Raised as a magnet link's metadata fetch progresses (outside the torrent's lock).</summary>
    public event Action<MetadataProgress>? MetadataProgressChanged;

    internal void Start() => Engine.Clock.Add(this);

    /// <summary>
    /// Adds addresses to try (from a tracker, the command line, PEX, LSD or the DHT). <paramref name="reportedBy"/> is
    /// who told us (a tracker's or peer's address), when known: only one on this machine may send us to loopback.
    /// <paramref name="swarm"/> is the hash (one of <see cref="SwarmHashes"/>) they were found under: a hybrid's peers
    /// found in its v2 swarm are dialled with the v2 hash. Null means <see cref="InfoHash"/>.
    /// </summary>
    public void AddPeers(IEnumerable<IPEndPoint> endPoints, PeerSource source, IPAddress? reportedBy = null, InfoHash? swarm = null) =>
        AddPeers(endPoints.Select(e => new PexPeer(e)), source, reportedBy, withFlags: false, swarm);

    /// <summary>Adds PEX contacts with their BEP 11 flags, which pick the transport dialled first (<see cref="PeerBook.Entry.NoteExchangeFlags"/>).</summary>
    internal void AddExchangedPeers(IEnumerable<PexPeer> peers, IPAddress? reportedBy) =>
        AddPeers(peers, PeerSource.PeerExchange, reportedBy, withFlags: true, swarm: null);

    private void AddPeers(IEnumerable<PexPeer> peers, PeerSource source, IPAddress? reportedBy, bool withFlags, InfoHash? swarm)
    {
        if (swarm == InfoHash) swarm = null;
        else if (swarm is not null && swarm != _swarm.V2Swarm) throw new ArgumentException($"{swarm} is not a swarm of torrent {InfoHash}", nameof(swarm));
        bool added = false;
        lock (_swarm.Sync)
        {
            foreach (var (endPoint, flags) in peers)
            {
                var normalized = Normalize(endPoint);
                if (!_connections.IsAcceptableAddress(normalized) || !_connections.MayDial(normalized, source, reportedBy)) continue;
                bool isNew = _swarm.Book.Add(normalized, source, swarm);
                added |= isNew;
                if (withFlags) _swarm.Book.Get(normalized)?.NoteExchangeFlags(flags, isNew);
            }
        }
        _connections.ConnectMore();
        // A magnet link's first peers are news at once (the progress line's known_peers), not at the next tick.
        if (added && !HasMetadata) ReportMetadataProgress();
    }

    /// <summary>
    /// Attaches the storage the data goes to (opened, and rechecked, for <see cref="Info"/>): downloading starts over the
    /// connections already open. Called once, by <see cref="ClientEngine.AddTorrent(TorrentInfo, IPieceStorage)"/> or, for
    /// a magnet link, by whoever opened the storage once <see cref="MetadataReceived"/> completed. Returns false (and
    /// leaves the storage to the caller) when the torrent was stopped meanwhile.
    /// </summary>
    public bool AttachStorage(IPieceStorage storage)
    {
        ArgumentNullException.ThrowIfNull(storage);
        var info = Info;
        if (storage.Info.InfoHash != info.InfoHash) throw new ArgumentException("the storage is for another torrent", nameof(storage));
        bool complete;
        lock (_swarm.Sync)
        {
            if (_swarm.Storage is not null) throw new InvalidOperationException("storage is already attached");
            if (_swarm.Stopped) return false;
            _swarm.Storage = storage;
            storage.PieceInvalidated += OnPieceInvalidated;
            var picker = new PiecePicker(info, storage.Verified, _swarm.Settings.MaxInFlightPieceBytes, _swarm.Random);
            if (_swarm.Policy is { } policy) picker.Policy = policy;
            _swarm.Picker = picker;
            _verifier = new PieceVerifier(_outcomes, info, storage, _swarm.Settings.VerifyWorkers);
            foreach (var peer in _swarm.Peers) StartTransfer(peer, picker.Have);
            _webSeeds.Start();
            complete = picker.IsFinished;
        }
        if (complete) _completed.TrySetResult();
        return true;
    }

    /// <summary>
    /// Adds web seeds (BEP 19 'url-list' entries, see <see cref="WebSeeds.WebSeedUrls.TryParse"/>): each is used like a
    /// peer that has every piece, with HTTP range requests, from the moment the torrent downloads. <paramref name="fromUser"/>:
    /// the torrent came from the user (a file or link they gave), so a web seed on a private address may be used.
    /// Needs the metadata. Returns how many were new (at most <see cref="WebSeeds.WebSeedSet.MaxSeeds"/> are used).
    /// </summary>
    public int AddWebSeeds(IEnumerable<Uri> urls, bool fromUser)
    {
        ArgumentNullException.ThrowIfNull(urls);
        lock (_swarm.Sync)
        {
            if (_swarm.Info is null) throw new InvalidOperationException("web seeds need the torrent's metadata");
            if (_swarm.Stopped) return 0;
            return _webSeeds.Add(urls, fromUser);
        }
    }

    /// <summary>Storage found a piece we had changed on disk (hashing it before an upload): it is wanted again.</summary>
    private void OnPieceInvalidated(int piece)
    {
        _outcomes.OnPieceInvalidated(piece);
        _connections.ConnectMore();
    }

    /// <summary>The torrent cannot go on (its storage could not be opened, say): it stops downloading and reports why.</summary>
    public void Fail(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        lock (_swarm.Sync)
        {
            _swarm.Error ??= error;
            foreach (var peer in _swarm.Peers) _scheduler.UpdateInterest(peer);
        }
        _completed.TrySetException(error);
        _metadataReceived.TrySetException(error);
    }

    /// <summary>
    /// Which pieces to fetch and what first (a <see cref="FileSelection"/>: skipped files, priorities, sequential); null for
    /// every piece, rarest first. Takes effect at once, also before storage is attached (a magnet link's selection made
    /// as soon as its metadata arrived). Wanting more after completion downloads again (reconnecting to seeds left
    /// as "both seeding"); wanting less may complete the torrent now.
    /// </summary>
    public void SetPiecePolicy(IPiecePolicy? policy)
    {
        bool nowComplete = false, wantsMore = false;
        lock (_swarm.Sync)
        {
            if (_swarm.Stopped) return;
            _swarm.Policy = policy;
            if (_swarm.Picker is not { } picker) return;
            bool wasComplete = picker.IsFinished;
            picker.Policy = policy;
            _scheduler.RecountWanted();
            nowComplete = !wasComplete && picker.IsFinished;
            wantsMore = wasComplete && !picker.IsFinished;
            if (wantsMore) _swarm.Book.RetryAllNow();
            if (nowComplete)
            {
                foreach (var peer in _swarm.Peers)
                    if (peer.IsSeed) peer.Close("both seeding");
            }
            _scheduler.FillAll();
        }
        if (nowComplete) new ProgressEvents(this).Completed();
        if (wantsMore) _connections.ConnectMore();
    }

    /// <summary>The policy in force (null: every piece, rarest first).</summary>
    public IPiecePolicy? PiecePolicy { get { lock (_swarm.Sync) return _swarm.Policy; } }

    /// <summary>Closes every connection and stops dialling, uploading and downloading; storage stays open. Idempotent.</summary>
    public async Task PauseAsync()
    {
        Task webSeeds;
        lock (_swarm.Sync)
        {
            if (_swarm.Paused || _swarm.Stopped) return;
            _swarm.Paused = true;
            webSeeds = _webSeeds.StopAsync();
        }
        await _connections.CloseAllAsync("torrent paused", stop: false).ConfigureAwait(false);
        await webSeeds.ConfigureAwait(false);
    }

    /// <summary>Undoes <see cref="PauseAsync"/>: known peers are dialled again at once.</summary>
    public void Resume()
    {
        lock (_swarm.Sync)
        {
            if (!_swarm.Paused) return;
            _swarm.Paused = false;
            _swarm.Book.RetryAllNow();
            _webSeeds.Start();
        }
        _connections.ConnectMore();
    }

    /// <summary>A copy of the verified-pieces bitfield (empty before storage is attached).</summary>
    public Bitfield SnapshotHave()
    {
        lock (_swarm.Sync) return _swarm.Picker?.Have.Clone() ?? new Bitfield(_swarm.Info?.PieceCount ?? 0);
    }

    /// <summary>Stops all connections, lets queued pieces finish verifying and flushes storage. Storage stays open (the caller owns it).</summary>
    public async ValueTask DisposeAsync()
    {
        Task webSeeds;
        lock (_swarm.Sync)
        {
            if (_swarm.Stopped) return;
            _swarm.Stopped = true;
            webSeeds = _webSeeds.StopAsync();
        }
        Engine.Unregister(this);
        Engine.Clock.Remove(this);
        await _connections.CloseAllAsync("torrent stopped", stop: true).ConfigureAwait(false);
        await webSeeds.ConfigureAwait(false); // no web seed block reaches the verifier after this
        if (_verifier is not null) await _verifier.CompleteAsync().ConfigureAwait(false);
        if (_swarm.Storage is { } storage)
        {
            storage.PieceInvalidated -= OnPieceInvalidated;
            try { await storage.FlushAsync(CancellationToken.None).ConfigureAwait(false); }
            catch (IOException) { /* reported through the status already, if it matters */ }
        }
        _completed.TrySetCanceled();
        _metadataReceived.TrySetCanceled();
    }

    /// <summary>
    /// Once a second (the engine's <see cref="SessionClock"/>): timeouts, keep-alives, snubbing, choke rounds, extensions'
    /// rhythm and new connections. A torrent with no peers, none being dialled and none to dial has none of that to do.
    /// </summary>
    internal void Tick()
    {
        if (Interlocked.Exchange(ref _ticking, 1) == 1) return;
        try
        {
            lock (_swarm.Sync)
            {
                if (_swarm.Stopped || IsIdle) return;
                BusyTicks++;
                long now = _swarm.Time.GetTimestamp();
                foreach (var peer in _swarm.Peers) _timeouts.Check(peer, now);
                if (_swarm.IsActive) _choking.Tick(now);
                _scheduler.FillAll();
                _swarm.Hashes?.OnTick(_swarm.Peers);
            }
            _extensions.OnTick();
            if (!HasMetadata) ReportMetadataProgress();
            _connections.ConnectMore();
        }
        finally
        {
            Volatile.Write(ref _ticking, 0);
        }
    }

    /// <summary>Nothing for a tick to do: metadata known, no peer connected or being dialled, no address to dial (lock held).</summary>
    private bool IsIdle => _swarm.Info is not null && _swarm.Peers.Count == 0 && _swarm.Book.Count == 0 && !_connections.IsDialling;

    /// <summary>How many ticks did work rather than return at once as idle (for tests).</summary>
    internal long BusyTicks;

    private static IPEndPoint Normalize(IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;

    /// <summary>File bytes in verified pieces, padding excluded (lock held).</summary>
    private long VerifiedBytes() =>
        _swarm.Picker is { } picker && _swarm.Info is { } info ? VerifiedData.Bytes(info, picker.Have) : 0;
}
