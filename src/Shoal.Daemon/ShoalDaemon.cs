using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Shoal.Daemon.Engine;
using Shoal.Daemon.Http;
using Shoal.Daemon.Rpc;
using Shoal.Daemon.Session;
using Shoal.Daemon.Store;

namespace Shoal.Daemon;

/// <summary>
/// A running <c>shoal daemon</c>: the state database, the engine (one peer port), the session and the RPC endpoint.
/// <code>
/// await using var daemon = await ShoalDaemon.StartAsync(options);
/// await daemon.ShutdownRequested.WaitAsync(ct); // session-close, or cancel on SIGTERM
/// </code>
/// Disposing stops cleanly: the RPC closes, every torrent stops (stop announces with a deadline, resume records saved),
/// and all counters are written.
/// </summary>
public sealed class ShoalDaemon : IAsyncDisposable
{
    private readonly SessionStore _store;
    private readonly EngineHost _engine;
    private readonly RpcServer _rpc;
    private readonly ILogger _log;
    private int _disposed;

    private ShoalDaemon(SessionStore store, EngineHost engine, DaemonSession session, RpcServer rpc, ILogger log)
    {
        _store = store;
        _engine = engine;
        Session = session;
        _rpc = rpc;
        _log = log;
    }

    public DaemonSession Session { get; }

    /// <summary>The RPC endpoint's URL (with the port actually bound).</summary>
    public Uri RpcUrl => _rpc.Url;

    public int PeerPort => _engine.ListenPort;

    public Task ShutdownRequested => Session.ShutdownRequested;

    /// <summary>
    /// Starts everything. Refuses (<see cref="DaemonConfigurationException"/>) an RPC address other than loopback without
    /// credentials; a taken RPC port is <see cref="RpcPortInUseException"/>, a taken peer port a SocketException.
    /// </summary>
    public static async Task<ShoalDaemon> StartAsync(DaemonOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options.Rpc);
        var loggers = options.Loggers ?? NullLoggerFactory.Instance;
        var log = loggers.CreateLogger("Shoal.Daemon");
        string state = Path.GetFullPath(options.StateDirectory);
        var store = SessionStore.Open(state);
        EngineHost? engine = null;
        DaemonSession? session = null;
        try
        {
            // The DHT as a remote last set it (session-set dht-enabled), so a node the user turned off never starts at all.
            bool dht = store.GetValue<SessionSettings>("settings")?.DhtEnabled ?? options.Client.EnableDht;
            engine = await EngineHost.StartAsync(options.Client with { Loggers = options.Loggers ?? options.Client.Loggers, EnableDht = dht },
                Path.Combine(state, "resume")).ConfigureAwait(false);
            session = DaemonSession.Open(options, engine, store);
            var gate = new RpcGate(options.Rpc, session.Facts.SessionId);
            var rpc = await RpcServer.StartAsync(options.Rpc, new RpcDispatcher(session, loggers.CreateLogger("Shoal.Daemon.Rpc")), gate, loggers)
                .ConfigureAwait(false);
            log.LogInformation("RPC on {Url}, peers on port {Port}, state in {State}", rpc.Url, engine.ListenPort, state);
            return new ShoalDaemon(store, engine, session, rpc, log);
        }
        catch
        {
            if (session is not null) await session.DisposeAsync().ConfigureAwait(false);
            if (engine is not null) await engine.DisposeAsync().ConfigureAwait(false);
            store.Dispose();
            throw;
        }
    }

    private static void Validate(RpcOptions rpc)
    {
        if ((rpc.Username is null) != (rpc.Password is null))
            throw new DaemonConfigurationException("give both --rpc-username and --rpc-password (or --rpc-password-file), or neither");
        if (rpc.Password is { Length: 0 }) throw new DaemonConfigurationException("the RPC password must not be empty");
        if (!IPAddress.IsLoopback(rpc.BindAddress) && !rpc.RequiresAuthentication)
            throw new DaemonConfigurationException(
                $"refusing to serve the RPC on {rpc.BindAddress} without a password: anyone who can reach it could control the daemon; " +
                "add --rpc-username NAME --rpc-password-file FILE, or bind to 127.0.0.1");
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _log.LogInformation("stopping");
        await _rpc.DisposeAsync().ConfigureAwait(false);
        await Session.DisposeAsync().ConfigureAwait(false);
        await _engine.DisposeAsync().ConfigureAwait(false);
        _store.Dispose();
        _log.LogInformation("stopped");
    }
}

/// <summary>A daemon option that cannot work as given; the message says how to fix it.</summary>
public sealed class DaemonConfigurationException(string message) : Exception(message);
