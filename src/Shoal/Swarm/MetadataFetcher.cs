using System.Net;
using Shoal.Metainfo;
using Shoal.Wire;

namespace Shoal.Swarm;

/// <summary>
/// Fetches a torrent's info dictionary from peers for a magnet link (BEP 9 over BEP 10): connects to the addresses it
/// is given (from trackers, the link's x.pe, the user, LSD), reads each peer's <c>metadata_size</c> (bounded), asks
/// several peers for 16 KiB pieces in parallel, assembles them and accepts the result only if its SHA-1 is the
/// info-hash. Peers that send malformed data are banned; peers whose pieces made a mismatch get a strike (banned at
/// two, or at once when they alone sent everything) and the fetch starts over with the others.
/// </summary>
public sealed partial class MetadataFetcher : IAsyncDisposable
{
    private readonly Lock _sync = new();
    private readonly ReadOnlyMemory<byte> _peerId;
    private readonly int _listenPort;
    private readonly PeerBook _book;
    private readonly List<FetchPeer> _peers = [];
    private readonly List<Task> _tasks = [];
    private readonly Dictionary<IPEndPoint, int> _strikes = [];
    private readonly TaskCompletionSource<TorrentInfo> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private MetadataAssembler<FetchPeer>? _assembler;
    private IProgress<MetadataProgress>? _progress;
    private ITimer? _timer;
    private int _failedAttempts;
    private bool _started, _stopped;

    // After a mixed-source attempt failed verification, pieces come from one peer at a time, so a liar is found.
    private bool _singleSource;
    private FetchPeer? _designated;
    private Task? _stopTask;
    private ClientEngine? _engine;

    public MetadataFetcher(InfoHash infoHash, ReadOnlyMemory<byte> peerId, int listenPort, EngineSettings? settings = null,
        MetadataFetcherOptions? options = null, TimeProvider? time = null)
    {
        if (peerId.Length != PeerId.Length) throw new ArgumentException($"peer id must be {PeerId.Length} bytes", nameof(peerId));
        InfoHash = infoHash;
        _peerId = peerId;
        _listenPort = listenPort;
        Settings = settings ?? new EngineSettings();
        Options = options ?? MetadataFetcherOptions.Default;
        Time = time ?? TimeProvider.System;
        _book = new PeerBook(Time);
    }

    /// <summary>
    /// A fetcher speaking as <paramref name="engine"/> (its peer id, listen port and settings). While it runs, peers that
    /// dial the engine for this info-hash (e.g. a seeder that heard our LSD announce) are taken into the fetch.
    /// </summary>
    public static MetadataFetcher ForEngine(ClientEngine engine, InfoHash infoHash, MetadataFetcherOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        return new MetadataFetcher(infoHash, engine.PeerId, engine.ListenPort, engine.Settings, options, engine.Time) { _engine = engine };
    }

    public InfoHash InfoHash { get; }

    public EngineSettings Settings { get; }

    public MetadataFetcherOptions Options { get; }

    internal TimeProvider Time { get; }

    /// <summary>Addresses to try; may be called before or during <see cref="FetchAsync"/>.</summary>
    public void AddPeers(IEnumerable<IPEndPoint> endPoints, PeerSource source)
    {
        ArgumentNullException.ThrowIfNull(endPoints);
        lock (_sync)
        {
            foreach (var endPoint in endPoints)
            {
                var normalized = endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;
                if (IsAcceptable(normalized)) _book.Add(normalized, source);
            }
        }
        ConnectMore();
    }

    /// <summary>Every usable address heard of, with where it came from (to hand on to the download).</summary>
    public IReadOnlyList<(IPEndPoint EndPoint, PeerSource Source)> KnownPeers
    {
        get
        {
            lock (_sync) return [.. _book.Entries.Where(e => !e.Banned && !e.IsSelf).Select(e => (e.EndPoint, e.Source))];
        }
    }

    public MetadataProgress Progress
    {
        get { lock (_sync) return ProgressLocked(); }
    }

    /// <summary>
    /// Runs until the metadata is in hand and verified, returning it parsed. Throws <see cref="OperationCanceledException"/>
    /// when cancelled, and <see cref="InvalidTorrentException"/> if the bytes matching the info-hash are not a valid info
    /// dictionary (no peer can ever send anything else for this hash). Can be called once.
    /// </summary>
    public async Task<TorrentInfo> FetchAsync(IProgress<MetadataProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        lock (_sync)
        {
            if (_started) throw new InvalidOperationException("the fetch was already started");
            ObjectDisposedException.ThrowIf(_stopped, this);
            _started = true;
            _progress = progress;
            _timer = Time.CreateTimer(_ => Tick(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
            if (_engine is not null && !_engine.RegisterFetcher(this)) _engine = null; // another fetch of the same hash takes incoming peers
        }
        ConnectMore();
        try
        {
            return await _result.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await StopAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private Task StopAsync()
    {
        lock (_sync) return _stopTask ??= StopCoreAsync();
    }

    private async Task StopCoreAsync()
    {
        Task[] tasks;
        lock (_sync)
        {
            _stopped = true;
            foreach (var peer in _peers) peer.Close("fetch finished");
            tasks = [.. _tasks];
        }
        _engine?.UnregisterFetcher(this);
        _stopping.Cancel();
        if (_timer is not null) await _timer.DisposeAsync().ConfigureAwait(false);
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _result.TrySetCanceled();
    }

    private bool IsAcceptable(IPEndPoint endPoint) =>
        endPoint.Port is > 0 and <= 65535 &&
        !endPoint.Address.Equals(IPAddress.Any) && !endPoint.Address.Equals(IPAddress.IPv6Any) &&
        (Settings.AllowLoopbackPeers || !IPAddress.IsLoopback(endPoint.Address));

    /// <summary>Dials known addresses while there is room.</summary>
    private void ConnectMore()
    {
        lock (_sync)
        {
            if (!_started || _stopped) return;
            int room = Options.MaxConnections - _peers.Count;
            if (room <= 0) return;
            foreach (var entry in _book.Candidates().Take(room).ToList())
            {
                entry.Connecting = true;
                var peer = new FetchPeer(entry, Time.GetTimestamp(), incoming: false);
                _peers.Add(peer);
                Track(RunPeerAsync(peer, accepted: null));
            }
        }
    }

    private void Track(Task task)
    {
        _tasks.Add(task);
        _ = task.ContinueWith(t => { lock (_sync) _tasks.Remove(t); }, TaskScheduler.Default);
    }

    /// <summary>Once a second: drops peers sitting on requests or never finishing their handshake, dials more.</summary>
    private void Tick()
    {
        MetadataProgress? report = null;
        lock (_sync)
        {
            if (_stopped) return;
            long now = Time.GetTimestamp();
            long requestDeadline = now - (long)(Options.RequestTimeout.TotalSeconds * Time.TimestampFrequency);
            if (_assembler is not null)
                foreach (var late in _assembler.PeersLateSince(requestDeadline)) late.Close("metadata request timed out");
            foreach (var peer in _peers)
                if (peer.RemoteMetadataId == 0 && Time.GetElapsedTime(peer.StartedAt, now) > Settings.ConnectTimeout + Settings.HandshakeTimeout)
                    peer.Close("no extension handshake");
            if (_progress is not null) report = ProgressLocked();
        }
        if (report is not null) _progress!.Report(report);
        ConnectMore();
    }

    private void ReportProgress()
    {
        if (_progress is not { } progress) return;
        MetadataProgress report;
        lock (_sync) report = ProgressLocked();
        progress.Report(report);
    }

    private MetadataProgress ProgressLocked() => new(
        _book.Entries.Count(e => !e.Banned && !e.IsSelf),
        _peers.Count(p => p.IsConnected),
        _peers.Count(p => p.MetadataSize is not null && !p.IsClosed),
        _assembler?.ReceivedBytes ?? 0,
        _assembler?.Size,
        _failedAttempts);

    /// <summary>Keeps a peer's metadata requests topped up (sync held).</summary>
    private void Pump(FetchPeer peer)
    {
        if (_assembler is null || !CanServe(peer)) return;
        if (_singleSource && !ReferenceEquals(peer, Designated())) return;
        long now = Time.GetTimestamp();
        while (_assembler.OutstandingFor(peer) < Options.RequestsPerPeer && _assembler.TryAssign(peer, now, out int piece))
            peer.SendExtended(peer.RemoteMetadataId, MetadataMessage.EncodeRequest(piece));
    }

    private void PumpAll()
    {
        foreach (var peer in _peers) Pump(peer);
    }

    private bool CanServe(FetchPeer peer) => !peer.IsClosed && peer.RemoteMetadataId != 0 && peer.MetadataSize == _assembler?.Size;

    /// <summary>In single-source mode, the peer the current attempt comes from; a new one restarts the attempt (sync held).</summary>
    private FetchPeer? Designated()
    {
        if (_designated is not null && CanServe(_designated)) return _designated;
        _designated = _peers.Where(CanServe).OrderBy(p => _strikes.GetValueOrDefault(p.EndPoint)).ThenBy(p => p.StartedAt).FirstOrDefault();
        if (_designated is not null && _assembler is { ReceivedBytes: > 0 } old) _assembler = new MetadataAssembler<FetchPeer>(old.Size);
        return _designated;
    }

    /// <summary>Bans a peer for this fetch and drops its connection (sync held).</summary>
    private void Ban(FetchPeer peer, string reason)
    {
        peer.Entry.Banned = true;
        if (peer.ListenEntry is { } listen) listen.Banned = true;
        _assembler?.Forget(peer);
        peer.Close(reason);
    }

    /// <summary>All pieces are in: accept them if they hash to the info-hash, else blame their senders and start over.</summary>
    private void Verify(MetadataAssembler<FetchPeer> assembler)
    {
        if (assembler.Matches(InfoHash))
        {
            try
            {
                _result.TrySetResult(TorrentInfo.Parse(assembler.Bytes));
            }
            catch (InvalidTorrentException ex)
            {
                _result.TrySetException(new InvalidTorrentException($"the metadata matching info-hash {InfoHash} is not a valid info dictionary: {ex.Message}", ex));
            }
            return;
        }
        lock (_sync)
        {
            if (!ReferenceEquals(_assembler, assembler)) return;
            _failedAttempts++;
            var contributors = assembler.Contributors;
            foreach (var peer in contributors)
            {
                _strikes[peer.EndPoint] = _strikes.GetValueOrDefault(peer.EndPoint) + 1;
                // A sole source is certainly lying; with several, one at a time from now on tells who.
                if (contributors.Count == 1) Ban(peer, "sent metadata that does not match the info-hash");
            }
            _singleSource = true;
            _designated = null;
            // Start over with the size most remaining peers agree on (a liar may have lied about the size too).
            var size = _peers.Where(p => !p.IsClosed && p.MetadataSize is not null)
                .GroupBy(p => p.MetadataSize!.Value).OrderByDescending(g => g.Count()).Select(g => (int?)g.Key).FirstOrDefault();
            _assembler = size is int s ? new MetadataAssembler<FetchPeer>(s) : null;
            PumpAll();
        }
    }
}
