using System.Net;
using Microsoft.Extensions.Logging;
using Shoal.Metainfo;
using Shoal.Storage;
using Shoal.Wire;

namespace Shoal.Swarm;

/// <summary>
/// One torrent being downloaded or seeded: its peers, piece picking, choking and verification.
/// Torrent-wide state lives behind <see cref="Sync"/>, held only for short, I/O-free sections; hashing and
/// disk I/O happen on worker threads, network I/O on each connection's own loops.
/// </summary>
public sealed partial class TorrentSession : IAsyncDisposable
{
    internal readonly Lock Sync = new();

    private readonly PiecePicker _picker;
    private readonly List<PeerConnection> _peers = [];
    private readonly PeerBook _book;
    private readonly Choker _choker;
    private readonly PieceVerifier _verifier;
    private readonly Random _random = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Task> _connectionTasks = [];
    private ITimer? _timer;
    private UploadAssignments? _assignments;
    private int _ticking;
    private long _downloaded, _uploaded, _wasted;
    private int _hashFailures, _connecting;
    private long _lastChokeRound, _lastOptimisticRotation;
    private Exception? _error;
    private bool _stopped;

    internal TorrentSession(ClientEngine engine, TorrentInfo info, IPieceStorage storage)
    {
        Engine = engine;
        Info = info;
        Storage = storage;
        _picker = new PiecePicker(info, storage.Verified, engine.Settings.MaxInFlightPieceBytes, _random);
        _book = new PeerBook(engine.Time);
        _choker = new Choker(engine.Settings.UploadSlots, _random);
        _verifier = new PieceVerifier(this, engine.Settings.VerifyWorkers);
        Log = engine.Loggers.CreateLogger($"Shoal.Swarm.{info.InfoHash.ToHex()[..8]}");
        Extensions.Register(new MetadataExtension(info.RawInfo));
        storage.PieceInvalidated += OnPieceInvalidated;
        if (_picker.IsComplete) _completed.TrySetResult();
    }

    public TorrentInfo Info { get; }

    public InfoHash InfoHash => Info.InfoHash;

    public IPieceStorage Storage { get; }

    internal ClientEngine Engine { get; }

    internal EngineSettings Settings => Engine.Settings;

    internal TimeProvider Time => Engine.Time;

    internal ExtensionRegistry Extensions { get; } = new();

    internal ILogger Log { get; }

    /// <summary>Completes when every piece has verified (at once for a seed); faults if storage fails.</summary>
    public Task Completion => _completed.Task;

    public bool IsComplete { get { lock (Sync) return _picker.IsComplete; } }

    public long Downloaded => Interlocked.Read(ref _downloaded);

    public long Uploaded => Interlocked.Read(ref _uploaded);

    /// <summary>Bytes still missing (for tracker announces).</summary>
    public long Left { get { lock (Sync) return Info.TotalLength - VerifiedBytes(); } }

    /// <summary>Raised (on a worker thread) when a piece has verified and been written.</summary>
    public event Action<int>? PieceVerified;

    /// <summary>Raised once when the last piece verified.</summary>
    public event Action? Completed;

    internal void Start()
    {
        _timer = Time.CreateTimer(_ => Tick(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>Adds addresses to try (from a tracker, the command line, PEX or LSD).</summary>
    public void AddPeers(IEnumerable<IPEndPoint> endPoints, PeerSource source)
    {
        lock (Sync)
        {
            foreach (var endPoint in endPoints)
            {
                if (!IsAcceptableAddress(endPoint)) continue;
                _book.Add(Normalize(endPoint), source);
            }
        }
        ConnectMore();
    }

    public TorrentStatus GetStatus()
    {
        lock (Sync)
        {
            var peers = _peers.Select(p => new PeerStatus(p.ListenEndPoint ?? p.RemoteEndPoint, p.ClientName, p.IsIncoming, p.IsSeed,
                p.Have.Count == 0 ? 0 : (double)p.Have.SetCount / p.Have.Count, p.DownloadRate.BytesPerSecond, p.UploadRate.BytesPerSecond,
                p.AmChoking, p.AmInterested, p.PeerChoking, p.PeerInterested, p.IsSnubbed, SourceOf(p), p.Requests.Count, p.QueuedUploads)).ToList();
            return new TorrentStatus(State, Info.TotalLength, VerifiedBytes(), _picker.Have.SetCount, Info.PieceCount,
                peers.Sum(p => p.DownloadRate), peers.Sum(p => p.UploadRate), Downloaded, Uploaded, Interlocked.Read(ref _wasted),
                _hashFailures, peers, _book.Count, _error?.Message);
        }
    }

    /// <summary>A copy of the verified-pieces bitfield.</summary>
    public Bitfield SnapshotHave()
    {
        lock (Sync) return _picker.Have.Clone();
    }

    private TorrentState State =>
        _error is not null ? TorrentState.Error :
        _stopped ? TorrentState.Stopped :
        _picker.IsComplete ? TorrentState.Seeding : TorrentState.Downloading;

    private long VerifiedBytes()
    {
        var have = _picker.Have;
        long bytes = (long)have.SetCount * Info.PieceLength;
        int last = Info.PieceCount - 1;
        if (have[last]) bytes -= Info.PieceLength - Info.PieceSize(last);
        return bytes;
    }

    internal void AddUploaded(int bytes) => Interlocked.Add(ref _uploaded, bytes);

    /// <summary>Stops all connections, lets queued pieces finish verifying and flushes storage. Storage stays open (the caller owns it).</summary>
    public async ValueTask DisposeAsync()
    {
        List<PeerConnection> peers;
        lock (Sync)
        {
            if (_stopped) return;
            _stopped = true;
            peers = [.. _peers];
        }
        Engine.Unregister(this);
        Storage.PieceInvalidated -= OnPieceInvalidated;
        _stopping.Cancel();
        if (_timer is not null) await _timer.DisposeAsync().ConfigureAwait(false);
        foreach (var peer in peers) peer.Close("torrent stopped");
        Task[] tasks;
        lock (Sync) tasks = [.. _connectionTasks];
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _verifier.CompleteAsync().ConfigureAwait(false);
        try { await Storage.FlushAsync(CancellationToken.None).ConfigureAwait(false); }
        catch (IOException) { /* reported through the status already, if it matters */ }
        _completed.TrySetCanceled();
    }

    private bool IsAcceptableAddress(IPEndPoint endPoint) =>
        endPoint.Port is > 0 and <= 65535 &&
        !endPoint.Address.Equals(IPAddress.Any) && !endPoint.Address.Equals(IPAddress.IPv6Any) &&
        (Settings.AllowLoopbackPeers || !IPAddress.IsLoopback(endPoint.Address));

    private static IPEndPoint Normalize(IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;

    internal ExtensionHandshake BuildExtensionHandshake(PeerConnection peer)
    {
        var handshake = new ExtensionHandshake
        {
            ListenPort = Engine.ListenPort,
            ClientName = Settings.ClientName,
            RequestQueueDepth = Settings.MaxQueuedRequestsFromPeer,
            YourIp = Normalize(peer.RemoteEndPoint).Address,
            UploadOnly = IsComplete,
        };
        Extensions.FillHandshake(handshake);
        return handshake;
    }

    internal int[] AllowedFastFor(PeerConnection peer) =>
        AllowedFastSet.Compute(Normalize(peer.RemoteEndPoint).Address, InfoHash, Info.PieceCount);
}
