using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Shoal.Metainfo;
using Shoal.Transport;

namespace Shoal.Discovery.Dht;

/// <summary>
/// A Mainline DHT node (BEP 5, with BEP 32 IPv6, BEP 42 secure ids and BEP 43 read-only mode) on a shared UDP port.
/// It answers other nodes' queries, keeps a routing table per address family, and runs lookups for the engine:
/// <see cref="GetPeersAsync"/>, <see cref="AnnounceAsync"/>, <see cref="KeepAnnouncing"/>.
/// All state sits behind one lock, held only for in-memory work: datagrams are written under it into pooled buffers
/// and sent after it is released, and the state file is written outside it too.
/// </summary>
public sealed partial class DhtNode : IDatagramHandler, IAsyncDisposable
{
    private const int SendBufferLength = 2048;

    private readonly object _gate = new();
    private readonly IDatagramPort _port;
    private readonly DhtOptions _options;
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly long _epoch;
    private readonly Transactions _transactions;
    private readonly WriteTokens _tokens;
    private readonly PeerStore _store;
    private readonly QueryRateLimiter _limiter;
    private readonly ExternalAddressVotes _votes = new();
    private readonly ConcurrentQueue<Outgoing> _outbox = new();
    private readonly DatagramWriter _writer = new();
    private readonly List<Lookup> _lookups = [];
    private readonly Queue<Lookup> _waitingForSlot = new();
    private readonly List<IPEndPoint> _routers = [];
    private readonly List<NodeContact> _savedNodes = [];
    private readonly List<DhtAnnouncement> _announcements = [];
    private readonly Pinger _pinger;
    private readonly ITimer _queryTimer;
    private readonly ITimer _maintenanceTimer;
    private IDisposable? _registration;
    private RoutingTable? _v4;
    private RoutingTable? _v6;
    private long _armedFor = long.MaxValue;
    private long _lastSave;
    private bool _disposed;
    private Task _ready = Task.CompletedTask;
    private Task _started = Task.CompletedTask;

    private DhtNode(IDatagramPort port, DhtOptions options, TimeProvider time, Random random)
    {
        options.Validate();
        _port = port;
        _options = options;
        _time = time;
        _random = random;
        _epoch = time.GetTimestamp();
        _transactions = new Transactions(options.MaxOutstandingQueries, Milliseconds(options.QuerySoftTimeout),
            Milliseconds(options.QueryTimeout), random);
        _tokens = new WriteTokens(random, 0);
        _store = new PeerStore(options.MaxInfoHashes, options.MaxPeersPerInfoHash, options.MaxStoredPeers, Milliseconds(options.PeerLifetime));
        _limiter = new QueryRateLimiter(options.QueriesPerSecondPerAddress, options.QueryBurstPerAddress, options.QueriesPerSecond,
            options.MaxTrackedAddresses);
        _pinger = new Pinger(this);
        _queryTimer = time.CreateTimer(static s => ((DhtNode)s!).OnQueryTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _maintenanceTimer = time.CreateTimer(static s => ((DhtNode)s!).OnMaintenanceTimer(), this, options.MaintenanceInterval,
            options.MaintenanceInterval);
    }

    /// <summary>Our node id (it changes once if BEP 42 voting finds our id does not match our external address).</summary>
    public NodeId Id { get; private set; }

    /// <summary>
    /// Completes when the first bootstrap (from the state file, else from <see cref="DhtOptions.BootstrapNodes"/>) is over.
    /// Lookups and announces do not wait for it: they start as soon as there is someone to ask (see <see cref="Start"/>).
    /// </summary>
    public Task Ready => _ready;

    /// <summary>
    /// Starts a node on <paramref name="port"/>: loads the state file if there is one, registers for the datagrams that
    /// start with 'd', and bootstraps from the saved nodes (or, without any, from <see cref="DhtOptions.BootstrapNodes"/>).
    /// </summary>
    public static DhtNode Start(IDatagramPort port, DhtOptions options, TimeProvider time, Random random)
    {
        var node = new DhtNode(port, options, time, random);
        var saved = options.StateFile is { } path ? DhtStateFile.TryLoad(path) : null;
        lock (node._gate)
        {
            var id = saved?.Id ?? NodeId.Random(random);
            if (options.ExternalAddress is { } external && !SecureNodeId.IsConforming(id, external)) id = SecureNodeId.Generate(external, random);
            node.Id = id;
            var local = port.LocalEndPoint;
            if (local.AddressFamily == AddressFamily.InterNetwork || local.Address.Equals(IPAddress.IPv6Any)) node._v4 = new RoutingTable(id);
            if (local.AddressFamily == AddressFamily.InterNetworkV6) node._v6 = new RoutingTable(id);
            if (saved is not null) node._savedNodes.AddRange(saved.Nodes);
        }
        node._registration = port.Register(node);
        // Lookups start once there is someone to ask (the saved nodes, else the resolved routers), not when the bootstrap
        // lookup ends: that one waits out the query timeout of every dead node among the closest to our id, and a magnet
        // link's first get_peers would wait with it. Started early, a lookup asks the routers itself, as libtorrent's do.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        node._started = started.Task;
        node._ready = node.BootstrapAtStartAsync(started);
        // Torrents added before then are announced at once, not at the next maintenance round.
        node._started.ContinueWith(static (_, s) => ((DhtNode)s!).OnAnnouncementDue(), node, CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return node;
    }

    /// <summary>Asks these nodes (routers or known nodes) for the nodes closest to us, and keeps them as fallbacks.</summary>
    public Task<DhtLookupResult> BootstrapAsync(IEnumerable<IPEndPoint> endPoints, CancellationToken cancellationToken = default)
    {
        var list = endPoints.Select(Normalize).ToList();
        var result = new LookupRun(this, cancellationToken);
        lock (_gate)
        {
            foreach (var endPoint in list)
                if (!_routers.Contains(endPoint)) _routers.Add(endPoint);
            if (!_disposed) StartLookups(LookupKind.FindNode, Id, result, Now, routers: list);
            result.Seal();
        }
        Flush();
        return result.Task;
    }

    /// <summary>Pings a node someone told us about (a peer's BEP 5 port message); it joins the table if it answers.</summary>
    public void AddNode(IPEndPoint endPoint)
    {
        endPoint = Normalize(endPoint);
        lock (_gate)
        {
            if (_disposed || TableFor(endPoint) is not { } table || table.Find(endPoint) is not null) return;
            Verify(endPoint, Now);
        }
        Flush();
    }

    /// <summary>The nodes closest to <paramref name="target"/> (an iterative find_node lookup per address family).</summary>
    public Task<DhtLookupResult> FindNodeAsync(NodeId target, CancellationToken cancellationToken = default) =>
        RunWhenStarted(LookupKind.FindNode, target, null, 0, false, cancellationToken);

    /// <summary>
    /// Peers of a torrent: get_peers lookups toward its info-hash, streaming each peer once as it is found (our own
    /// store first). Ends when the lookups converge; breaking out of the loop cancels them.
    /// </summary>
    public async IAsyncEnumerable<IPEndPoint> GetPeersAsync(InfoHash infoHash,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var peers = Channel.CreateUnbounded<IPEndPoint>(new() { SingleReader = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var run = RunWhenStarted(LookupKind.GetPeers, NodeId.FromInfoHash(infoHash), p => peers.Writer.TryWrite(p), 0, false, stop.Token);
        _ = run.ContinueWith(_ => peers.Writer.TryComplete(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            await foreach (var peer in peers.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false)) yield return peer;
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Announces that we have the torrent on <paramref name="port"/> (TCP; with <paramref name="impliedPort"/> the nodes
    /// take our UDP source port instead, for NATs): a get_peers lookup, then announce_peer to the 8 closest nodes that
    /// gave a token. Peers met on the way go to <paramref name="onPeer"/>, which runs under the node's lock: it must be
    /// quick and never block (queue the peer and return). Never call this for a private torrent (BEP 27).
    /// </summary>
    public Task<DhtLookupResult> AnnounceAsync(InfoHash infoHash, int port, bool impliedPort = false,
        Action<IPEndPoint>? onPeer = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, ushort.MaxValue);
        return RunWhenStarted(LookupKind.Announce, NodeId.FromInfoHash(infoHash), onPeer, port, impliedPort, cancellationToken);
    }

    /// <summary>
    /// Keeps a torrent announced: now, then every <see cref="DhtOptions.ReannounceInterval"/>, handing found peers to
    /// <paramref name="onPeer"/> (called under the node's lock: queue and return). A round that reached no node, or
    /// found no peer while <paramref name="wantsPeers"/> says the torrent wants some (it is called under the node's
    /// lock too: read a flag), is retried sooner (see <see cref="DhtOptions.AnnounceRetryInterval"/>). A private
    /// torrent (BEP 27) is never put on the DHT: its handle stays inactive. Dispose the handle to stop.
    /// </summary>
    public DhtAnnouncement KeepAnnouncing(InfoHash infoHash, int port, bool isPrivate, Action<IPEndPoint>? onPeer = null,
        bool impliedPort = false, Func<bool>? wantsPeers = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, ushort.MaxValue);
        var announcement = new DhtAnnouncement(this, infoHash, port, impliedPort, isPrivate, onPeer, wantsPeers);
        if (isPrivate) return announcement;
        lock (_gate)
        {
            if (_disposed) return announcement;
            announcement.Timer = _time.CreateTimer(static s => ((DhtAnnouncement)s!).Node.OnAnnouncementDue(), announcement,
                Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _announcements.Add(announcement);
            if (_started.IsCompleted) RunDueAnnouncements(Now);
        }
        Flush();
        return announcement;
    }

    internal void StopAnnouncing(DhtAnnouncement announcement)
    {
        lock (_gate) _announcements.Remove(announcement);
    }

    public DhtStats GetStats()
    {
        lock (_gate)
        {
            long now = Now;
            var tables = Tables().ToList();
            return new DhtStats
            {
                Id = Id,
                Nodes = _v4?.Count ?? 0,
                Nodes6 = _v6?.Count ?? 0,
                GoodNodes = tables.Sum(t => t.Buckets.Sum(b => b.Nodes.Count(c => c.State(now) == ContactState.Good))),
                Replacements = tables.Sum(t => t.ReplacementCount),
                Buckets = tables.Sum(t => t.BucketCount),
                StoredInfoHashes = _store.InfoHashCount,
                StoredPeers = _store.PeerCount,
                OutstandingQueries = _transactions.Count,
                ActiveLookups = _lookups.Count,
                ExternalAddress = _votes.Winner,
                QueriesReceived = _counters.QueriesReceived,
                PingsAnswered = _counters.PingsAnswered,
                FindNodesAnswered = _counters.FindNodesAnswered,
                GetPeersAnswered = _counters.GetPeersAnswered,
                AnnouncesAccepted = _counters.AnnouncesAccepted,
                QueriesRateLimited = _counters.RateLimited,
                Dropped = _counters.Dropped,
                QueriesSent = _counters.QueriesSent,
                ResponsesReceived = _counters.ResponsesReceived,
                QueryTimeouts = _counters.Timeouts,
            };
        }
    }

    /// <summary>The nodes in our routing tables (both families), for diagnostics and tests.</summary>
    public IReadOnlyList<NodeContact> GetRoutingTableNodes()
    {
        lock (_gate) return [.. Tables().SelectMany(t => t.Buckets.SelectMany(b => b.Nodes)).Select(c => c.ToNodeContact())];
    }

    /// <summary>Writes the state file now (it is also written periodically and at dispose).</summary>
    public void SaveState()
    {
        if (_options.StateFile is not { } path) return;
        DhtStateFile.Save(path, TakeSnapshot());
    }

    public async ValueTask DisposeAsync()
    {
        List<Lookup> running;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            running = [.. _lookups];
            foreach (var announcement in _announcements) announcement.Timer?.Dispose();
        }
        _registration?.Dispose();
        await _queryTimer.DisposeAsync().ConfigureAwait(false);
        await _maintenanceTimer.DisposeAsync().ConfigureAwait(false);
        lock (_gate)
        {
            long now = Now;
            foreach (var lookup in running) lookup.Cancel(now);
            _transactions.Clear();
            _waitingForSlot.Clear();
        }
        while (_outbox.TryDequeue(out var pending)) ArrayPool<byte>.Shared.Return(pending.Buffer);
        try
        {
            SaveState();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Saving is a convenience; a read-only or vanished folder must not break shutdown.
        }
    }

    /// <summary>Milliseconds since the node started, on its clock.</summary>
    private long Now => (long)_time.GetElapsedTime(_epoch).TotalMilliseconds;

    private static long Milliseconds(TimeSpan span) => (long)span.TotalMilliseconds;

    private static IPEndPoint Normalize(IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;

    private RoutingTable? TableFor(IPEndPoint endPoint) =>
        CompactInfo.FamilyOf(endPoint) == AddressFamily.InterNetwork ? _v4 : _v6;

    private IEnumerable<RoutingTable> Tables()
    {
        if (_v4 is not null) yield return _v4;
        if (_v6 is not null) yield return _v6;
    }

    private readonly record struct Outgoing(byte[] Buffer, int Length, IPEndPoint To);
}
