using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Shoal.TrackerServer.Catalogue;
using Shoal.TrackerServer.Http;
using Shoal.TrackerServer.Operations;
using Shoal.TrackerServer.Registry;
using Shoal.TrackerServer.Store;
using Shoal.TrackerServer.Udp;

namespace Shoal.TrackerServer;

/// <summary>
/// A running tracker: HTTP (Kestrel) and UDP on the same port number, one registry, optional persistence.
/// <code>
/// await using var tracker = await TrackerHost.StartAsync(new TrackerOptions { Host = "127.0.0.1", Port = 0 });
/// Console.WriteLine(tracker.ListeningLine); // tracker: listening on http://127.0.0.1:PORT/announce and udp://127.0.0.1:PORT/announce
/// </code>
/// </summary>
public sealed class TrackerHost : IAsyncDisposable
{
    private const int PortAttempts = 20;

    private readonly TrackerCore _core;
    private readonly HttpFrontend _http;
    private readonly UdpFrontend _udp;
    private readonly PersistenceLoop? _persistence;
    private readonly ISwarmStore? _ownedStore;
    private readonly MaintenanceLoop _maintenance;
    private readonly ILogger _logger;
    private int _disposed;

    private TrackerHost(TrackerCore core, HttpFrontend http, UdpFrontend udp, PersistenceLoop? persistence, ISwarmStore? ownedStore)
    {
        _core = core;
        _http = http;
        _udp = udp;
        _persistence = persistence;
        _ownedStore = ownedStore;
        _logger = core.LoggerFactory.CreateLogger("Shoal.TrackerServer");
        _maintenance = new MaintenanceLoop(core, _logger);
        HttpEndPoint = http.LocalEndPoint;
        UdpEndPoint = udp.LocalEndPoint;
        string host = UrlHost(HttpEndPoint.Address);
        HttpAnnounceUrl = $"http://{host}:{HttpEndPoint.Port}/announce";
        UdpAnnounceUrl = $"udp://{host}:{UdpEndPoint.Port}/announce";
        StatsUrl = $"http://{host}:{HttpEndPoint.Port}/";
        CatalogueUrl = core.Catalogue is null ? null : $"http://{host}:{HttpEndPoint.Port}{CatalogueEndpoints.BasePath}";
    }

    public IPEndPoint HttpEndPoint { get; }

    public IPEndPoint UdpEndPoint { get; }

    /// <summary>The port both protocols listen on.</summary>
    public int Port => HttpEndPoint.Port;

    public string HttpAnnounceUrl { get; }

    public string UdpAnnounceUrl { get; }

    public string StatsUrl { get; }

    /// <summary>Where the catalogue is listed (and published to), or null without <see cref="TrackerOptions.Catalogue"/>.</summary>
    public string? CatalogueUrl { get; }

    /// <summary>The catalogue of published .torrent files, or null without <see cref="TrackerOptions.Catalogue"/>.</summary>
    public CatalogueService? Catalogue => _core.Catalogue;

    /// <summary>The stable, parseable start-up line: "tracker: listening on HTTP_URL and UDP_URL".</summary>
    public string ListeningLine => $"tracker: listening on {HttpAnnounceUrl} and {UdpAnnounceUrl}";

    public SwarmRegistry Registry => _core.Registry;

    public TrackerCounters Counters => _core.Counters;

    /// <summary>
    /// Starts a tracker. With <see cref="TrackerOptions.Port"/> 0 a port free on both TCP and UDP is chosen; an explicit
    /// port that is taken throws <see cref="PortInUseException"/>. <paramref name="store"/> overrides
    /// <see cref="TrackerOptions.DatabasePath"/> (the caller keeps ownership of a store it passes).
    /// </summary>
    public static async Task<TrackerHost> StartAsync(TrackerOptions options, ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null, ISwarmStore? store = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var time = timeProvider ?? TimeProvider.System;
        var loggers = loggerFactory ?? NullLoggerFactory.Instance;
        var logger = loggers.CreateLogger("Shoal.TrackerServer");
        var registry = new SwarmRegistry(options.EffectivePeerTimeout, time, options.Limits);
        if (options.AllowListPath is not null)
        {
            registry.Allow = AllowList.Load(options.AllowListPath);
            logger.LogInformation("allow-list {Path}: {Count} torrents", options.AllowListPath, registry.Allow.Count);
        }
        ISwarmStore? ownedStore = null;
        if (store is null && options.DatabasePath is not null)
            store = ownedStore = await SqliteSwarmStore.OpenAsync(options.DatabasePath, cancellationToken).ConfigureAwait(false);
        PersistenceLoop? persistence = null;
        CatalogueService? catalogue = null;
        try
        {
            if (options.Catalogue)
            {
                var catalogueStore = options.DatabasePath is { } path ? await SqliteCatalogueStore.OpenAsync(path, cancellationToken).ConfigureAwait(false) : null;
                catalogue = await CatalogueService.StartAsync(options, registry, catalogueStore, time, logger, cancellationToken).ConfigureAwait(false);
            }
            var core = new TrackerCore(options, registry, time, loggers) { Catalogue = catalogue };
            if (store is not null)
            {
                int restored = await PersistenceLoop.RestoreAsync(registry, store, cancellationToken).ConfigureAwait(false);
                logger.LogInformation("restored {Swarms} swarms ({Peers} live peers)", restored, registry.Totals().Peers);
                persistence = new PersistenceLoop(registry, store, options.StoreFlushInterval, time, logger);
            }
            var (http, udp) = await BindAsync(options, core, cancellationToken).ConfigureAwait(false);
            var server = new TrackerHost(core, http, udp, persistence, ownedStore);
            logger.LogInformation("{Line}", server.ListeningLine);
            return server;
        }
        catch
        {
            if (catalogue is not null) await catalogue.DisposeAsync().ConfigureAwait(false);
            if (persistence is not null) await persistence.DisposeAsync().ConfigureAwait(false);
            if (ownedStore is not null) await ownedStore.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    // HTTP binds first; UDP must then get the same port number. With port 0 a clash on UDP just means "try another".
    private static async Task<(HttpFrontend, UdpFrontend)> BindAsync(TrackerOptions options, TrackerCore core, CancellationToken cancellationToken)
    {
        var address = options.HostAddress;
        for (int attempt = 1; ; attempt++)
        {
            var http = await HttpFrontend.StartAsync(new IPEndPoint(address, options.Port), core, cancellationToken).ConfigureAwait(false);
            try
            {
                return (http, UdpFrontend.Start(new IPEndPoint(address, http.LocalEndPoint.Port), core));
            }
            catch (PortInUseException) when (options.Port == 0 && attempt < PortAttempts)
            {
                await http.DisposeAsync().ConfigureAwait(false);
            }
            catch
            {
                await http.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>Writes pending swarm changes to the store now (normally done every flush interval).</summary>
    public Task FlushAsync(CancellationToken cancellationToken = default) =>
        _persistence?.FlushAsync(cancellationToken) ?? Task.CompletedTask;

    private static string UrlHost(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();

    /// <summary>Stops accepting requests, then saves what changed (graceful shutdown).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _logger.LogInformation("tracker stopping");
        await _maintenance.DisposeAsync().ConfigureAwait(false);
        await _http.DisposeAsync().ConfigureAwait(false);
        await _udp.DisposeAsync().ConfigureAwait(false);
        if (_persistence is not null) await _persistence.DisposeAsync().ConfigureAwait(false);
        if (_ownedStore is not null) await _ownedStore.DisposeAsync().ConfigureAwait(false);
        if (_core.Catalogue is { } catalogue) await catalogue.DisposeAsync().ConfigureAwait(false);
    }
}
