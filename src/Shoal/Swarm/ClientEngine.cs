using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Shoal.Metainfo;
using Shoal.Storage;
using Shoal.Transport;
using Shoal.Wire;

namespace Shoal.Swarm;

/// <summary>
/// The peer engine: our peer id, the global rate limits, and the transports every torrent's connections come from
/// (<see cref="PeerTransports"/>: dialers, listeners, the encryption stage). One listening port serves every torrent:
/// an incoming connection goes through the upgrade stage, then its handshake's info-hash picks the torrent.
/// </summary>
public sealed class ClientEngine : IAsyncDisposable, IInfoHashLookup
{
    private readonly PeerTransports _transports;
    private readonly ConcurrentDictionary<InfoHash, TorrentSession> _torrents = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Random _random;
    private readonly ConcurrentDictionary<Task, byte> _incoming = new();
    private readonly HandshakeGate _handshakes;

    private ClientEngine(EngineSettings settings, PeerTransports transports, TimeProvider time, ILoggerFactory loggers)
    {
        Settings = settings;
        _handshakes = new HandshakeGate(settings.MaxHandshakingConnections, settings.MaxHandshakingPerAddress);
        Time = time;
        Clock = new SessionClock(time);
        Loggers = loggers;
        _transports = transports;
        _random = new Random(settings.RandomSeed ?? RandomNumberGenerator.GetInt32(int.MaxValue));
        UploadLimiter = new TokenBucket(settings.UploadRateLimit, time);
        DownloadLimiter = new TokenBucket(settings.DownloadRateLimit, time);
        Reserved = settings.DhtPort is null ? ReservedBits.Shoal : ReservedBits.Shoal.WithDht();
        Limits = new PeerLimits(time, DownloadLimiter, UploadLimiter, settings.MaxOutboxBytes, settings.MaxQueuedRequestsFromPeer);
        foreach (var listener in transports.Listeners) listener.Start(OnAccepted);
    }

    public EngineSettings Settings { get; }

    /// <summary>The one timer that ticks every torrent.</summary>
    internal SessionClock Clock { get; }

    public TimeProvider Time { get; }

    internal ILoggerFactory Loggers { get; }

    internal PeerLimits Limits { get; }

    /// <summary>Our 20-byte peer id for this run.</summary>
    public byte[] PeerId { get; } = Wire.PeerId.Generate();

    /// <summary>The feature bits of our handshake.</summary>
    public ReservedBits Reserved { get; }

    /// <summary>The port announced to trackers and peers (the first listener's; useful when 0 was asked for).</summary>
    public int ListenPort => ListenEndPoint.Port;

    public IPEndPoint ListenEndPoint => _transports.ListenEndPoint;

    public TokenBucket UploadLimiter { get; }

    public TokenBucket DownloadLimiter { get; }

    public IReadOnlyCollection<TorrentSession> Torrents => [.. _torrents.Values.Distinct()];

    IReadOnlyCollection<InfoHash> IInfoHashLookup.InfoHashes => [.. _torrents.Keys];

    bool IInfoHashLookup.Contains(InfoHash infoHash) => _torrents.ContainsKey(infoHash);

    /// <summary>
    /// A peer told us its DHT node's port (BEP 5 <c>port</c> message): the node's address. The DHT subscribes to learn
    /// nodes from the peers we meet. Raised on a connection's loop: handlers must be quick.
    /// </summary>
    public event Action<IPEndPoint>? DhtNodeSeen;

    /// <summary>
    /// Binds a TCP listener on <see cref="EngineSettings.ListenAddress"/>:<see cref="EngineSettings.ListenPort"/> and starts.
    /// A port that is taken surfaces as a <see cref="SocketException"/> with <see cref="SocketError.AddressAlreadyInUse"/>,
    /// for the caller to report or to try another port.
    /// </summary>
    public static Task<ClientEngine> StartAsync(EngineSettings settings, TimeProvider? time = null, ILoggerFactory? loggers = null) =>
        Task.FromResult(Start(settings, PeerTransports.Tcp(settings.ListenAddress, settings.ListenPort), time, loggers));

    /// <summary>Starts over the given transports (the engine owns them from now on).</summary>
    public static ClientEngine Start(EngineSettings settings, PeerTransports transports, TimeProvider? time = null, ILoggerFactory? loggers = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(transports);
        return new ClientEngine(settings, transports, time ?? TimeProvider.System, loggers ?? NullLoggerFactory.Instance);
    }

    /// <summary>Starts sharing a torrent whose storage is open (and rechecked): it begins seeding or downloading at once.</summary>
    public TorrentSession AddTorrent(TorrentInfo info, IPieceStorage storage)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (!info.HasAllPieceHashes) throw new ArgumentException("a v2-only torrent needs its piece layers to verify pieces", nameof(info));
        var session = Register(info.InfoHash, info);
        session.AttachStorage(storage);
        session.Start();
        return session;
    }

    /// <summary>
    /// Starts a torrent known only by its info-hash (a magnet link): it connects to the peers it is given and fetches the
    /// metadata from them (<see cref="TorrentSession.MetadataReceived"/>), then waits for storage
    /// (<see cref="TorrentSession.AttachStorage"/>) to download over the same connections.
    /// </summary>
    /// <param name="v2Only">The link names only a v2 hash (urn:btmh): our handshakes say we speak v2, and once the metadata
    /// arrives the piece layers are fetched with hash requests before <see cref="TorrentSession.MetadataReceived"/> completes.</param>
    public TorrentSession AddMagnet(InfoHash infoHash, bool v2Only = false)
    {
        var session = Register(infoHash, info: null, v2Only);
        session.Start();
        return session;
    }

    /// <summary>
    /// As <see cref="AddMagnet(InfoHash, bool)"/> for a link's hashes: a v1 hash, a v2 hash, or both (a hybrid, which
    /// is in both swarms from the start: found, announced and answered under either).
    /// </summary>
    public TorrentSession AddMagnet(InfoHashes hashes)
    {
        var session = Register(hashes.Primary, info: null, v2Only: !hashes.HasV1, hashes.WireForms);
        session.Start();
        return session;
    }

    private TorrentSession Register(InfoHash infoHash, TorrentInfo? info, bool v2Only = false, IReadOnlyList<InfoHash>? wireForms = null)
    {
        Random random;
        lock (_random) random = new Random(_random.Next());
        // A hybrid answers in both swarms: peers handshake with its v1 hash or its truncated v2 hash.
        var forms = info?.InfoHashes.WireForms ?? wireForms ?? [infoHash];
        var session = new TorrentSession(this, infoHash, info, random, v2Only, forms.Count > 1 ? forms[1] : null);
        lock (_torrents)
        {
            foreach (var form in forms)
                if (_torrents.ContainsKey(form)) throw new InvalidOperationException($"torrent {form} is already added");
            foreach (var form in forms) _torrents[form] = session;
        }
        return session;
    }

    internal void Unregister(TorrentSession session)
    {
        lock (_torrents)
            foreach (var (hash, owner) in _torrents)
                if (owner == session) _torrents.TryRemove(new(hash, session));
    }

    /// <summary>
    /// Opens a connection to a peer for a torrent: dial (trying the transport <paramref name="first"/> first, when known),
    /// then the upgrade stage (encryption, when configured), which may send <paramref name="handshake"/> itself (<see cref="TransportConnection.HandshakeSent"/>).
    /// </summary>
    internal async Task<TransportConnection> DialAsync(IPEndPoint endPoint, TransportKind? first, InfoHash infoHash, ReadOnlyMemory<byte> handshake,
        CancellationToken ct)
    {
        var connection = await _transports.Dialer.DialAsync(endPoint, first, ct).ConfigureAwait(false);
        try
        {
            return await _transports.Upgrade.UpgradeOutgoingAsync(connection, infoHash, handshake, ct).ConfigureAwait(false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    internal void OnDhtPort(IPAddress address, int port) => DhtNodeSeen?.Invoke(new IPEndPoint(address, port));

    private void OnAccepted(TransportConnection connection)
    {
        var address = connection.RemoteEndPoint.Address;
        if (!_handshakes.TryEnter(address))
        {
            _ = connection.DisposeAsync().AsTask();
            return;
        }
        var task = AcceptAsync(connection, address);
        _incoming.TryAdd(task, 0);
        _ = task.ContinueWith(t => _incoming.TryRemove(t, out _), TaskScheduler.Default);
    }

    /// <summary>An incoming connection: upgrade, read the handshake header, hand it to the torrent it names.</summary>
    private async Task AcceptAsync(TransportConnection connection, IPAddress address)
    {
        bool handshaking = true;
        using var timeout = new CancellationTokenSource(Settings.HandshakeTimeout, Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token, timeout.Token);
        try
        {
            var upgraded = await _transports.Upgrade.UpgradeIncomingAsync(connection, this, linked.Token).ConfigureAwait(false);
            if (upgraded is null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                return;
            }
            connection = upgraded;
            var (infoHash, reserved) = await HandshakeExchange.ReadHeaderAsync(connection.Stream, linked.Token).ConfigureAwait(false);
            if (!_torrents.TryGetValue(infoHash, out var session))
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                return;
            }
            // The header named a torrent of ours: from here on the torrent's own bounds apply.
            _handshakes.Exit(address);
            handshaking = false;
            await session.AcceptAsync(connection, infoHash, reserved, linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or WireProtocolException or ObjectDisposedException or SocketException)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            if (handshaking) _handshakes.Exit(address);
        }
    }

    /// <summary>The HTTP client of every torrent's web seeds (kept-alive connections shared), made when the first one is added.</summary>
    internal WebSeeds.WebSeedClient WebSeedClient
    {
        get
        {
            lock (_webSeedLock) return _webSeedClient ??= new WebSeeds.WebSeedClient(Settings.WebSeeds, Time);
        }
    }

    private readonly Lock _webSeedLock = new();
    private WebSeeds.WebSeedClient? _webSeedClient;

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await Clock.DisposeAsync().ConfigureAwait(false);
        await _transports.DisposeAsync().ConfigureAwait(false);
        foreach (var session in _torrents.Values.Distinct()) await session.DisposeAsync().ConfigureAwait(false);
        lock (_webSeedLock) _webSeedClient?.Dispose();
        await Task.WhenAll(_incoming.Keys).WaitAsync(TimeSpan.FromSeconds(10), Time).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
