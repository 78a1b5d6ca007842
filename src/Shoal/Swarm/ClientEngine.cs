using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Shoal.Metainfo;
using Shoal.Storage;
using Shoal.Wire;

namespace Shoal.Swarm;

/// <summary>
/// The peer engine: one listening socket shared by all torrents (incoming connections are routed by the
/// info-hash in their handshake), the global upload/download limits and our peer id.
/// </summary>
public sealed class ClientEngine : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly ConcurrentDictionary<InfoHash, TorrentSession> _torrents = new();
    private readonly ConcurrentDictionary<InfoHash, MetadataFetcher> _fetchers = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _acceptLoop;

    private ClientEngine(EngineSettings settings, TimeProvider time, Socket listener, ILoggerFactory loggers)
    {
        Settings = settings;
        Time = time;
        Loggers = loggers;
        _listener = listener;
        ListenPort = ((IPEndPoint)listener.LocalEndPoint!).Port;
        UploadLimiter = new TokenBucket(settings.UploadRateLimit, time);
        DownloadLimiter = new TokenBucket(settings.DownloadRateLimit, time);
        _acceptLoop = AcceptLoopAsync();
    }

    public EngineSettings Settings { get; }

    public TimeProvider Time { get; }

    internal ILoggerFactory Loggers { get; }

    /// <summary>Our 20-byte peer id for this run.</summary>
    public byte[] PeerId { get; } = Wire.PeerId.Generate();

    /// <summary>The port actually bound (useful when 0 was asked for).</summary>
    public int ListenPort { get; }

    public IPEndPoint ListenEndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    public TokenBucket UploadLimiter { get; }

    public TokenBucket DownloadLimiter { get; }

    public IReadOnlyCollection<TorrentSession> Torrents => [.. _torrents.Values];

    /// <summary>
    /// Binds the listener and starts accepting. A port that is taken surfaces as a <see cref="SocketException"/>
    /// with <see cref="SocketError.AddressAlreadyInUse"/>, for the caller to report or to try another port.
    /// </summary>
    public static Task<ClientEngine> StartAsync(EngineSettings settings, TimeProvider? time = null, ILoggerFactory? loggers = null)
    {
        var listener = new Socket(settings.ListenAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (settings.ListenAddress.Equals(IPAddress.IPv6Any)) listener.DualMode = true;
            listener.Bind(new IPEndPoint(settings.ListenAddress, settings.ListenPort));
            listener.Listen(256);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
        return Task.FromResult(new ClientEngine(settings, time ?? TimeProvider.System, listener, loggers ?? NullLoggerFactory.Instance));
    }

    /// <summary>Starts sharing a torrent whose storage is open (and rechecked): it begins seeding or downloading at once.</summary>
    public TorrentSession AddTorrent(TorrentInfo info, IPieceStorage storage) => AddTorrent(info, storage, configure: null);

    /// <summary>As <see cref="AddTorrent(TorrentInfo, IPieceStorage)"/>, letting the caller plug in extensions before any peer can connect.</summary>
    internal TorrentSession AddTorrent(TorrentInfo info, IPieceStorage storage, Action<TorrentSession>? configure)
    {
        var session = new TorrentSession(this, info, storage);
        configure?.Invoke(session);
        if (!_torrents.TryAdd(info.InfoHash, session)) throw new InvalidOperationException($"torrent {info.InfoHash} is already added");
        session.Start();
        return session;
    }

    internal void Unregister(TorrentSession session) => _torrents.TryRemove(new(session.InfoHash, session));

    /// <summary>While a magnet's metadata is fetched, incoming connections for its info-hash go to the fetcher.</summary>
    internal bool RegisterFetcher(MetadataFetcher fetcher) => _fetchers.TryAdd(fetcher.InfoHash, fetcher);

    internal void UnregisterFetcher(MetadataFetcher fetcher) => _fetchers.TryRemove(new(fetcher.InfoHash, fetcher));

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            catch (SocketException) { continue; }
            socket.NoDelay = true;
            _ = HandleIncomingAsync(socket);
        }
    }

    /// <summary>
    /// Opens a connection to a peer. TCP by default; tests swap in an in-memory network so whole swarms run over pipes.
    /// </summary>
    internal Func<IPEndPoint, CancellationToken, Task<Stream>> Dial { get; set; } = DialTcpAsync;

    private static async Task<Stream> DialTcpAsync(IPEndPoint endPoint, CancellationToken ct)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, ct).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private Task HandleIncomingAsync(Socket socket) =>
        AcceptAsync(new NetworkStream(socket, ownsSocket: true), (IPEndPoint)socket.RemoteEndPoint!);

    /// <summary>Takes an incoming connection (from the listener, or an in-memory network in tests): handshake, route, run.</summary>
    internal async Task AcceptAsync(Stream stream, IPEndPoint remote)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        timeout.CancelAfter(Settings.HandshakeTimeout);
        try
        {
            var (infoHash, reserved) = await HandshakeExchange.ReadHeaderAsync(stream, timeout.Token).ConfigureAwait(false);
            if (!_torrents.TryGetValue(infoHash, out var session))
            {
                if (_fetchers.TryGetValue(infoHash, out var fetcher))
                    await fetcher.AcceptIncomingAsync(stream, remote, reserved, timeout.Token).ConfigureAwait(false);
                else
                    await stream.DisposeAsync().ConfigureAwait(false);
                return;
            }
            await session.AcceptIncomingAsync(stream, remote, reserved, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or WireProtocolException or ObjectDisposedException or SocketException)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        _listener.Dispose();
        foreach (var session in _torrents.Values) await session.DisposeAsync().ConfigureAwait(false);
        await _acceptLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
