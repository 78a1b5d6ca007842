using System.CommandLine;
using System.Net;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Shoal.Daemon;
using Shoal.Daemon.Http;

namespace Shoal.Cli.Commands;

/// <summary>
/// <c>shoal daemon</c>: many torrents in one long-running process, kept in a SQLite state directory and driven by the
/// Transmission RPC (so transmission-remote, Sonarr/Radarr, Flood work) and by shoal's own remote verbs.
/// </summary>
internal static class DaemonCommand
{
    public const int DefaultPeerPort = 51413;

    public static Command Create()
    {
        var rpcPort = new Option<int>("--rpc-port") { Description = $"Port of the Transmission RPC (0 = any free port)", DefaultValueFactory = _ => RpcOptions.DefaultPort };
        var rpcBind = new Option<string>("--rpc-bind") { Description = "Address the RPC listens on; anything but loopback needs --rpc-username and a password", DefaultValueFactory = _ => "127.0.0.1" };
        var rpcUser = new Option<string?>("--rpc-username") { Description = "User name the RPC requires (Basic auth)", HelpName = "name" };
        var rpcPassword = new Option<string?>("--rpc-password") { Description = "Password the RPC requires (visible in ps: prefer --rpc-password-file or $SHOAL_RPC_PASSWORD)", HelpName = "password" };
        var rpcPasswordFile = new Option<FileInfo?>("--rpc-password-file") { Description = "File whose first line is the RPC password", HelpName = "file" };
        var whitelist = new Option<string[]>("--rpc-host-whitelist")
        {
            Description = "Host names the RPC answers to besides localhost and IP addresses (repeatable or comma-separated; '*' is a wildcard)",
            HelpName = "name",
        };
        var downloadDir = new Option<string?>("--download-dir") { Description = "Where torrents go unless told otherwise (default: the stored setting, else ~/Downloads)", HelpName = "dir" };
        var stateDir = new Option<string?>("--state-dir") { Description = "Where the session lives: session.db and resume records (default: $STATE_DIRECTORY, else ~/.local/state/shoal)", HelpName = "dir" };
        var logLevel = new Option<LogLevel>("--log-level") { Description = "Trace, Debug, Information, Warning, Error, None", DefaultValueFactory = _ => LogLevel.Information };
        var noLsd = new Option<bool>("--no-lsd") { Description = "Do not announce on the local network (BEP 14 multicast)" };
        var peers = new PeerOptions(DefaultPeerPort);
        var command = new Command("daemon", "Run many torrents in one long-lived process, driven by the Transmission RPC (transmission-remote works) and shoal add/list/…")
        {
            rpcPort, rpcBind, rpcUser, rpcPassword, rpcPasswordFile, whitelist, downloadDir, stateDir, logLevel, noLsd,
        };
        foreach (var option in peers.EngineOnly) command.Options.Add(option);
        var dht = new DhtFlags();
        dht.AddTo(command);

        command.SetAction(async (parse, ct) =>
        {
            var level = parse.GetValue(peers.Verbose) ? LogLevel.Debug : parse.GetValue(logLevel);
            using var loggers = LoggerFactory.Create(logging => logging
                .SetMinimumLevel(level)
                .AddFilter("Microsoft", LogLevel.Warning)
                .AddSimpleConsole(console =>
                {
                    console.SingleLine = true;
                    console.TimestampFormat = "HH:mm:ss ";
                })
                .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace));
            var rpc = new RpcOptions
            {
                BindAddress = IPAddress.TryParse(parse.GetValue(rpcBind), out var address) ? address
                    : throw new UserErrorException($"--rpc-bind '{parse.GetValue(rpcBind)}' is not an IP address"),
                Port = parse.GetValue(rpcPort) is int p and >= 0 and <= 65535 ? p : throw new UserErrorException("--rpc-port must be between 0 and 65535"),
                Username = parse.GetValue(rpcUser),
                Password = Password(parse.GetValue(rpcPassword), parse.GetValue(rpcPasswordFile), parse.GetValue(rpcUser) is not null),
                HostWhitelist = [.. (parse.GetValue(whitelist) ?? []).SelectMany(w => w.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))],
            };
            string? explicitDownloads = parse.GetValue(downloadDir) is { } d ? Path.GetFullPath(d) : null;
            string state = Path.GetFullPath(parse.GetValue(stateDir) ?? DefaultStateDirectory());
            var options = new DaemonOptions
            {
                StateDirectory = state,
                DownloadDirectory = explicitDownloads ?? DefaultDownloadDirectory(),
                Client = peers.BuildClientOptions(parse, o => dht.Apply(parse, o with { EnableLsd = LocalDiscovery.Wanted(parse.GetValue(noLsd), o) },
                    Path.Combine(state, "dht.state"))),
                Rpc = rpc,
                Loggers = loggers,
            };
            await using var daemon = await peers.BindAsync(parse, () => StartAsync(options), d => d.PeerPort);
            ApplyCommandLineSettings(daemon, parse, peers, explicitDownloads);
            // The stable line scripts and tests read; logs go to stderr.
            Console.Out.WriteLine($"daemon: rpc on {daemon.RpcUrl}, peer port {daemon.PeerPort}, state in {options.StateDirectory}");
            try
            {
                await daemon.ShutdownRequested.WaitAsync(ct);
            }
            catch (OperationCanceledException)
            {
                // SIGTERM / Ctrl+C: the normal way to stop a service; disposing stops the torrents and saves the session.
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task<ShoalDaemon> StartAsync(DaemonOptions options)
    {
        try
        {
            return await ShoalDaemon.StartAsync(options);
        }
        catch (DaemonConfigurationException ex)
        {
            throw new UserErrorException(ex.Message);
        }
        catch (RpcPortInUseException ex)
        {
            throw new UserErrorException($"RPC port {ex.Port} is already in use (another daemon?); choose another with --rpc-port");
        }
        catch (SqliteException ex)
        {
            throw new UserErrorException($"cannot use the state database in {options.StateDirectory}: {ex.Message}");
        }
    }

    /// <summary>Flags given on the command line win over the stored session settings (and are stored).</summary>
    private static void ApplyCommandLineSettings(ShoalDaemon daemon, ParseResult parse, PeerOptions peers, string? downloads)
    {
        var session = daemon.Session;
        var settings = session.Settings;
        if (downloads is not null) settings = settings with { DownloadDir = downloads };
        if (parse.GetValue(peers.UploadLimit) is { } up)
        {
            long bytes = PeerOptions.ParseRate(up, "--upload-limit");
            settings = settings with { SpeedLimitUpEnabled = bytes > 0, SpeedLimitUp = bytes > 0 ? Math.Max(1, (bytes + 999) / 1000) : settings.SpeedLimitUp };
        }
        if (parse.GetValue(peers.DownloadLimit) is { } down)
        {
            long bytes = PeerOptions.ParseRate(down, "--download-limit");
            settings = settings with { SpeedLimitDownEnabled = bytes > 0, SpeedLimitDown = bytes > 0 ? Math.Max(1, (bytes + 999) / 1000) : settings.SpeedLimitDown };
        }
        if (parse.GetValue(peers.MaxPeers) is int max) settings = settings with { PeerLimitPerTorrent = max };
        if (settings != session.Settings) session.UpdateSettings(settings);
    }

    /// <summary>Environment variable holding the RPC password (keeps it out of ps).</summary>
    public const string PasswordVariable = "SHOAL_RPC_PASSWORD";

    private static string? Password(string? given, FileInfo? file, bool userGiven)
    {
        if (given is not null && file is not null) throw new UserErrorException("give --rpc-password or --rpc-password-file, not both");
        if (file is not null)
        {
            if (!file.Exists) throw new UserErrorException($"password file not found: {file.FullName}");
            var line = File.ReadLines(file.FullName).FirstOrDefault()?.TrimEnd('\r');
            return string.IsNullOrEmpty(line) ? throw new UserErrorException($"password file {file.FullName} is empty") : line;
        }
        if (given is not null || !userGiven) return given;
        return Environment.GetEnvironmentVariable(PasswordVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null;
    }

    /// <summary>systemd's StateDirectory= sets $STATE_DIRECTORY; otherwise the XDG state folder.</summary>
    private static string DefaultStateDirectory()
    {
        if (Environment.GetEnvironmentVariable("STATE_DIRECTORY") is { Length: > 0 } systemd) return systemd.Split(':')[0];
        string state = Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } xdg
            ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        return Path.Combine(state, "shoal");
    }

    private static string DefaultDownloadDirectory() => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), "Downloads");
}
