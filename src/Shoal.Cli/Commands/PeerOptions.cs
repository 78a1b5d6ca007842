using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Shoal.Cli.Output;
using Shoal.Client;
using Shoal.Storage;
using Shoal.Swarm;

namespace Shoal.Cli.Commands;

/// <summary>The network options `seed` and `get` share: ports, addresses, trackers, peers, limits, display mode.</summary>
internal sealed class PeerOptions
{
    /// <summary>Environment variable naming a default tracker URL (so scripts never edit source or repeat --tracker).</summary>
    public const string TrackerVariable = "SHOAL_TRACKER";

    private const int PortSearchRange = 50;
    private readonly int _defaultPort;

    public PeerOptions(int defaultPort)
    {
        _defaultPort = defaultPort;
        Port = new Option<int>("--port", "-p")
        {
            Description = $"TCP port for peer connections (default {defaultPort}, or the next free one; an explicit port must be free)",
            DefaultValueFactory = _ => defaultPort,
        };
    }

    public Option<int> Port { get; }

    public Option<string?> Bind { get; } = new("--bind", "--host") { Description = "Address to listen on (default: every interface)", HelpName = "ip" };

    public Option<string?> AnnounceIp { get; } = new("--announce-ip")
    {
        Description = "Address trackers should give out for us: an IP, or 'auto' for this machine's primary LAN address",
        HelpName = "ip|auto",
    };

    public Option<string[]> Trackers { get; } = new("--tracker", "-t")
    {
        Description = $"Tracker announce URL (repeatable; default from ${TrackerVariable})",
        HelpName = "url",
    };

    public Option<string[]> Peers { get; } = new("--peer") { Description = "Connect to this peer directly (repeatable), as IP:PORT or HOST:PORT", HelpName = "ip:port" };

    public Option<string?> UploadLimit { get; } = new("--upload-limit") { Description = "Upload cap, e.g. 10M (bytes per second; 0 = none)", HelpName = "rate" };

    public Option<string?> DownloadLimit { get; } = new("--download-limit") { Description = "Download cap, e.g. 10M (bytes per second; 0 = none)", HelpName = "rate" };

    public Option<int?> Reannounce { get; } = new("--reannounce")
    {
        Description = "Announce to trackers at least this often, in seconds (default: as each tracker asks)",
        HelpName = "seconds",
    };

    public Option<int?> MaxPeers { get; } = new("--max-peers") { Description = "Most peers connected at once (default 80)", HelpName = "n" };

    public Option<bool> Quiet { get; } = new("--quiet", "-q") { Description = "No progress display; errors and the final line only" };

    public Option<bool> Verbose { get; } = new("--verbose", "-v") { Description = "Log connections, disconnections (with reasons), bans and tracker errors to stderr" };

    public Option<bool> Json { get; } = new("--json") { Description = "Progress as one JSON object per line (for scripts)" };

    public Option<bool> Recheck { get; } = new("--recheck")
    {
        Description = "Hash every piece already on disk now, instead of taking the last run's resume record's word for it",
    };

    /// <summary>--encryption and --transport.</summary>
    public TransportFlags TransportFlags { get; } = new();

    public IEnumerable<Option> All => [Port, Bind, AnnounceIp, Trackers, Peers, Reannounce, UploadLimit, DownloadLimit, MaxPeers, Quiet, Json, Verbose, Recheck, .. TransportFlags.All];

    public DisplayMode Display(ParseResult parse) =>
        parse.GetValue(Json) ? DisplayMode.Json : parse.GetValue(Quiet) ? DisplayMode.Quiet : DisplayMode.Live;

    /// <summary>Tracker tiers from --tracker, else from $SHOAL_TRACKER (each URL its own tier).</summary>
    public IReadOnlyList<IReadOnlyList<string>> TrackerTiers(ParseResult parse)
    {
        var given = parse.GetValue(Trackers) ?? [];
        if (given.Length == 0 && Environment.GetEnvironmentVariable(TrackerVariable) is { Length: > 0 } fromEnvironment) given = [fromEnvironment];
        return given.Select(CreateCommand.ParseTier).ToArray();
    }

    public IReadOnlyList<IPEndPoint> PeerEndPoints(ParseResult parse) =>
        (parse.GetValue(Peers) ?? []).Select(ParseEndPoint).ToArray();

    /// <summary>The options the engine's listening, limits and trackers take from the command line.</summary>
    public IEnumerable<Option> EngineOnly => [Port, Bind, AnnounceIp, Reannounce, UploadLimit, DownloadLimit, MaxPeers, Verbose, .. TransportFlags.All];

    /// <summary>Starts the engine with these options, turning a taken port into a clear error naming it.</summary>
    public Task<ShoalClient> StartClientAsync(ParseResult parse, Func<ClientOptions, ClientOptions>? adjust = null) =>
        BindAsync(parse, () => ShoalClient.StartAsync(BuildClientOptions(parse, adjust)), client => client.ListenPort);

    /// <summary>The engine's options from the command line (not started).</summary>
    public ClientOptions BuildClientOptions(ParseResult parse, Func<ClientOptions, ClientOptions>? adjust = null)
    {
        bool portGiven = parse.GetResult(Port) is { Implicit: false };
        int port = parse.GetValue(Port);
        if (port is < 0 or > 65535) throw new UserErrorException($"--port must be between 0 and 65535, not {port}");
        var bind = ParseAddress(parse.GetValue(Bind), "--bind") ?? new EngineSettings().ListenAddress;
        var engine = new EngineSettings
        {
            ListenAddress = bind,
            ListenPort = port,
            UploadRateLimit = ParseRate(parse.GetValue(UploadLimit), "--upload-limit"),
            DownloadRateLimit = ParseRate(parse.GetValue(DownloadLimit), "--download-limit"),
        };
        if (parse.GetValue(MaxPeers) is int max)
            engine = engine with { MaxConnectionsPerTorrent = max is >= 1 and <= 1000 ? max : throw new UserErrorException("--max-peers must be between 1 and 1000") };
        var options = new ClientOptions
        {
            Engine = engine,
            AnnounceAddress = ResolveAnnounceIp(parse.GetValue(AnnounceIp)),
            PortSearchRange = portGiven || port == 0 ? 0 : PortSearchRange,
            Loggers = parse.GetValue(Verbose) ? StderrLoggers() : null,
        };
        options = options with { Storage = options.Storage with { ForceRecheck = parse.GetValue(Recheck) } };
        options = TransportFlags.Apply(parse, options);
        if (parse.GetValue(Reannounce) is int every)
        {
            if (every is < 1 or > 86400) throw new UserErrorException("--reannounce must be between 1 and 86400 seconds");
            var interval = TimeSpan.FromSeconds(every);
            options = options with
            {
                Trackers = options.Trackers with
                {
                    MaximumInterval = interval,
                    MinimumInterval = interval < options.Trackers.MinimumInterval ? interval : options.Trackers.MinimumInterval,
                },
            };
        }
        return adjust is null ? options : adjust(options);
    }

    /// <summary>Runs <paramref name="start"/> (which binds the peer port), turning a taken port or a foreign address into one clear line.</summary>
    public async Task<T> BindAsync<T>(ParseResult parse, Func<Task<T>> start, Func<T, int> boundPort)
    {
        bool portGiven = parse.GetResult(Port) is { Implicit: false };
        int port = parse.GetValue(Port);
        var bind = ParseAddress(parse.GetValue(Bind), "--bind") ?? new EngineSettings().ListenAddress;
        try
        {
            var started = await start();
            if (boundPort(started) != port && port != 0)
                Console.Error.WriteLine($"shoal: port {port} is taken; listening on {boundPort(started)} instead");
            return started;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new UserErrorException(portGiven
                ? $"port {port} is already in use; choose another with --port"
                : $"ports {port}-{port + PortSearchRange} are all in use; choose one with --port");
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressNotAvailable)
        {
            throw new UserErrorException($"cannot listen on {bind}: no such address on this machine");
        }
    }

    // Lives as long as the process: a command runs one client, and the console logger flushes on exit.
    private static ILoggerFactory StderrLoggers() => LoggerFactory.Create(logging => logging
        .SetMinimumLevel(LogLevel.Debug)
        .AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "HH:mm:ss.fff ";
        })
        .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace));

    internal static IPAddress? ResolveAnnounceIp(string? value)
    {
        if (value is null) return null;
        if (value.Equals("auto", StringComparison.OrdinalIgnoreCase))
            return LocalAddresses.Primary() ?? throw new UserErrorException("--announce-ip auto: this machine has no non-loopback IPv4 address");
        return ParseAddress(value, "--announce-ip");
    }

    private static IPAddress? ParseAddress(string? value, string option)
    {
        if (value is null) return null;
        return IPAddress.TryParse(value, out var address) ? address : throw new UserErrorException($"{option} '{value}' is not an IP address");
    }

    internal static long ParseRate(string? value, string option)
    {
        if (value is null) return 0;
        var text = value.EndsWith("/s", StringComparison.OrdinalIgnoreCase) ? value[..^2] : value;
        return ByteSize.TryParse(text, out long rate) ? rate : throw new UserErrorException($"{option} '{value}' is not a rate (examples: 500K, 10M)");
    }

    internal static IPEndPoint ParseEndPoint(string value)
    {
        if (IPEndPoint.TryParse(value, out var endPoint) && endPoint.Port != 0) return endPoint;
        int colon = value.LastIndexOf(':');
        if (colon > 0 && int.TryParse(value.AsSpan(colon + 1), out int port) && port is > 0 and <= 65535)
        {
            try
            {
                var addresses = Dns.GetHostAddresses(value[..colon]);
                var address = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault();
                if (address is not null) return new IPEndPoint(address, port);
            }
            catch (SocketException)
            {
                throw new UserErrorException($"--peer '{value}': cannot resolve host '{value[..colon]}'");
            }
        }
        throw new UserErrorException($"--peer '{value}' is not IP:PORT or HOST:PORT");
    }
}
