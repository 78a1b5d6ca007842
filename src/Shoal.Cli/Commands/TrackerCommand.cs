using System.CommandLine;
using System.Net;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Shoal.Client;
using Shoal.TrackerServer;
using Shoal.TrackerServer.Registry;

namespace Shoal.Cli.Commands;

/// <summary>`shoal tracker`: runs the HTTP + UDP tracker until Ctrl+C / SIGTERM.</summary>
internal static class TrackerCommand
{
    public const int DefaultPort = 9090;
    private const int DefaultPortTries = 10;

    public static Command Create()
    {
        var port = new Option<int>("--port", "-p") { Description = "Port for HTTP and UDP (0 = any free port)", DefaultValueFactory = _ => DefaultPort };
        var host = new Option<string>("--host") { Description = "Address to listen on: 0.0.0.0, ::, 127.0.0.1, ...", DefaultValueFactory = _ => "0.0.0.0" };
        var db = new Option<FileInfo?>("--db") { Description = "SQLite file keeping swarms and completed counts across restarts" };
        var allow = new Option<FileInfo?>("--allow") { Description = "File of permitted info-hashes (40 hex digits per line, optional name): a private tracker" };
        var trustIp = new Option<bool>("--trust-ip-param") { Description = "Use the announce's ip/ipv4/ipv6 parameter instead of the source address (always done for peers on this machine that reach it directly, not through a proxy)" };
        var trustProxy = new Option<bool>("--trust-proxy") { Description = "Take client addresses from X-Forwarded-For (only behind your own reverse proxy)" };
        var interval = new Option<int>("--interval") { Description = "Announce interval in seconds", DefaultValueFactory = _ => 1800 };
        var minInterval = new Option<int>("--min-interval") { Description = "Minimum announce interval in seconds", DefaultValueFactory = _ => 300 };
        var numwantMax = new Option<int>("--numwant-max") { Description = "Most peers returned per announce", DefaultValueFactory = _ => 200 };
        var rateLimit = new Option<double>("--rate-limit") { Description = "Requests per second allowed per IPv4 address or IPv6 /64 (0 = unlimited)", DefaultValueFactory = _ => 50 };
        var udpThreads = new Option<int>("--udp-threads") { Description = "UDP receive threads (0 = one per two processors)" };
        var maxTorrents = new Option<int>("--max-torrents")
        {
            Description = "Torrents tracked at most; announces for new ones beyond it are refused",
            DefaultValueFactory = _ => SwarmLimits.DefaultMaxTorrents,
        };
        var maxPeers = new Option<int>("--max-peers")
        {
            Description = "Peers held at most over every swarm; when full, the least recently seen sixteenth is dropped",
            DefaultValueFactory = _ => SwarmLimits.DefaultMaxPeers,
        };
        var maxPeersPerSwarm = new Option<int>("--max-peers-per-swarm")
        {
            Description = "Peers held at most in one swarm; when full, its least recently seen sixteenth is dropped",
            DefaultValueFactory = _ => SwarmLimits.DefaultMaxPeersPerSwarm,
        };
        var maxPeersPerAddress = new Option<int>("--max-peers-per-address")
        {
            Description = "Peers held at most per IPv4 address or IPv6 /64 in one swarm; a newcomer beyond it replaces that address's " +
                "least recently seen peer (0 = no cap)",
            DefaultValueFactory = _ => SwarmLimits.DefaultMaxPeersPerSource,
        };
        var exposePeerIds = new Option<bool>("--expose-peer-ids")
        {
            Description = "Include each peer's id in non-compact (compact=0) answers (off by default: no current client needs them)",
        };
        var catalogue = new Option<bool>("--catalogue")
        {
            Description = "Keep a catalogue of published .torrent files at /catalogue (shoal seed --publish adds to it; shoal get --tracker URL lists it)",
        };
        var catalogueKey = new Option<string?>("--catalogue-key")
        {
            Description = $"Shared secret publishers must give (default from ${CatalogueKeyVariable}; prefer it: command lines are visible to other users)",
            HelpName = "key",
        };
        var catalogueOpen = new Option<bool>("--catalogue-open")
        {
            Description = "Let anyone who can reach the tracker publish to its catalogue, without a key (a catalogue needs a key otherwise)",
        };
        var logLevel = new Option<LogLevel>("--log-level") { Description = "Trace, Debug, Information, Warning, Error, None", DefaultValueFactory = _ => LogLevel.Information };

        var command = new Command("tracker", "Run a BitTorrent tracker (HTTP and UDP on the same port) with a stats page at /")
        {
            port, host, db, allow, trustIp, trustProxy, interval, minInterval, numwantMax, rateLimit, udpThreads,
            maxTorrents, maxPeers, maxPeersPerSwarm, maxPeersPerAddress, exposePeerIds, catalogue, catalogueKey, catalogueOpen, logLevel,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            bool portGiven = parse.GetResult(port) is { Implicit: false };
            int requestedPort = parse.GetValue(port);
            var options = new TrackerOptions
            {
                Host = parse.GetValue(host)!,
                Port = requestedPort,
                DatabasePath = parse.GetValue(db)?.FullName,
                AllowListPath = parse.GetValue(allow)?.FullName,
                TrustIpParameter = parse.GetValue(trustIp),
                TrustProxy = parse.GetValue(trustProxy),
                AnnounceInterval = TimeSpan.FromSeconds(parse.GetValue(interval)),
                MinAnnounceInterval = TimeSpan.FromSeconds(parse.GetValue(minInterval)),
                MaxNumWant = parse.GetValue(numwantMax),
                DefaultNumWant = Math.Min(50, parse.GetValue(numwantMax)),
                RateLimitPerSecond = parse.GetValue(rateLimit),
                UdpReceiveLoops = parse.GetValue(udpThreads),
                MaxTorrents = parse.GetValue(maxTorrents),
                MaxPeers = parse.GetValue(maxPeers),
                MaxPeersPerSwarm = parse.GetValue(maxPeersPerSwarm),
                MaxPeersPerAddress = parse.GetValue(maxPeersPerAddress),
                ExposePeerIds = parse.GetValue(exposePeerIds),
                Catalogue = parse.GetValue(catalogue),
                CatalogueOpen = parse.GetValue(catalogueOpen),
                CatalogueKey = CatalogueKey(parse.GetValue(catalogueKey), parse.GetValue(catalogue) && !parse.GetValue(catalogueOpen)),
            };
            if (options.AllowListPath is { } allowPath && !File.Exists(allowPath))
                throw new UserErrorException($"allow-list file not found: {allowPath}");
            using var loggers = LoggerFactory.Create(logging => logging
                .SetMinimumLevel(parse.GetValue(logLevel))
                .AddFilter("Microsoft", LogLevel.Warning)
                .AddSimpleConsole(console =>
                {
                    console.SingleLine = true;
                    console.TimestampFormat = "HH:mm:ss ";
                })
                .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace));
            await using var tracker = await StartAsync(options, portGiven, loggers, cancellationToken);
            // The stable line scripts and tests parse; logs go to stderr so stdout carries only this.
            Console.Out.WriteLine(tracker.ListeningLine);
            // Listening on every interface, the URL above names none; say the one other machines on the LAN should use.
            if (tracker.HttpEndPoint.Address.Equals(IPAddress.Any) || tracker.HttpEndPoint.Address.Equals(IPAddress.IPv6Any))
            {
                if (LocalAddresses.Primary() is { } lan)
                    Console.Out.WriteLine($"tracker: other machines announce to http://{lan}:{tracker.HttpEndPoint.Port}/announce");
            }
            Console.Out.WriteLine($"tracker: stats on {tracker.StatsUrl}");
            if (tracker.CatalogueUrl is { } catalogueUrl)
                Console.Out.WriteLine($"tracker: catalogue on {catalogueUrl}{(options.CatalogueOpen ? " (anyone who can reach it may publish)" : " (publishing needs the key)")}");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C / SIGTERM: a normal way to stop a tracker; disposing saves what changed.
            }
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Environment variable holding the catalogue key (for both the tracker and the publisher).</summary>
    public const string CatalogueKeyVariable = TrackerOptions.CatalogueKeyVariable;

    private static string? CatalogueKey(string? given, bool keyedCatalogue)
    {
        if (given is not null) return given.Length > 0 ? given : throw new UserErrorException("--catalogue-key must not be empty");
        // The variable only counts for a keyed catalogue: a key left in the environment must not make a plain tracker,
        // or an open catalogue, refuse to start.
        return keyedCatalogue && Environment.GetEnvironmentVariable(CatalogueKeyVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null;
    }

    private static async Task<TrackerHost> StartAsync(TrackerOptions options, bool portGiven, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        int tries = portGiven || options.Port == 0 ? 1 : DefaultPortTries;
        for (int i = 0; ; i++)
        {
            var attempt = options with { Port = options.Port + i };
            try
            {
                var tracker = await TrackerHost.StartAsync(attempt, loggers, cancellationToken: cancellationToken);
                if (i > 0) Console.Error.WriteLine($"shoal: port {options.Port} is taken; listening on {attempt.Port} instead");
                return tracker;
            }
            catch (PortInUseException) when (i + 1 < tries && attempt.Port < TrackerOptions.MaxPortNumber)
            {
                // The default port is only a preference: try the next one.
            }
            catch (PortInUseException ex)
            {
                throw new UserErrorException($"port {ex.Port} is already in use ({ex.Protocol}); choose another with --port");
            }
            catch (ArgumentException ex)
            {
                throw new UserErrorException(ex.Message);
            }
            catch (SqliteException ex)
            {
                throw new UserErrorException($"cannot use database {options.DatabasePath}: {ex.Message}");
            }
        }
    }
}
