using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;

namespace Shoal.Tests.Support.Reference;

/// <summary>
/// transmission-cli 3.00 with a settings.json written into its own config folder (-g): DHT, LPD, PEX, uTP and
/// port forwarding off, bound to 127.0.0.1, RPC off. It never exits by itself (disposing stops it), and it never
/// dials loopback peers: as a leecher on 127.0.0.1 it downloads only from seeders that dial it, so pair it with a
/// seeder that re-announces and connects out (<see cref="LibtorrentOptions.ReannounceEvery"/>).
/// </summary>
public sealed class TransmissionPeer : IReferencePeer
{
    private readonly ReferenceProcess _process;
    private readonly TempDirectory _config;
    private readonly CompletionMarker _marker;

    private TransmissionPeer(ReferenceProcess process, TempDirectory config, CompletionMarker marker, int port)
    {
        _process = process;
        _config = config;
        _marker = marker;
        ListenPort = port;
    }

    public string Name => "transmission";

    public int ListenPort { get; }

    public int? ProcessId => _process.Id;

    /// <summary>Seeds the data of <paramref name="torrentPath"/> found in <paramref name="dataDirectory"/>. Transmission checks
    /// existing data of a torrent it has no resume record for by itself; the -v flag is not used because with it
    /// transmission-cli sometimes sees the torrent stopped between two verification passes and exits.</summary>
    public static Task<TransmissionPeer> SeedAsync(string torrentPath, string dataDirectory, TransmissionOptions? options = null,
        CancellationToken cancellationToken = default) =>
        StartAsync(torrentPath, dataDirectory, options ?? new(), cancellationToken);

    public static Task<TransmissionPeer> DownloadAsync(string torrentPath, string targetDirectory, TransmissionOptions? options = null,
        CancellationToken cancellationToken = default) =>
        StartAsync(torrentPath, targetDirectory, options ?? new(), cancellationToken);

    /// <summary>Completes when the -f script ran: after a download completed and verified, and after a seeder's check
    /// found every piece. (The status line cannot be used: it ends in \r only, so it sits in stdio's buffer.)</summary>
    public Task WaitForCompletionAsync(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        Waits.PollAsync(() => _marker.IsSet,
            () => _process.HasExited ? $"transmission-cli exited with {_process.ExitCode}" : null,
            timeout, cancellationToken, "Transmission to hold every piece", Describe);

    public string Describe() => _process.Describe();

    public async ValueTask DisposeAsync()
    {
        // SIGTERM first (ReferenceProcess): Transmission flushes its write cache on a clean exit.
        await _process.DisposeAsync();
        _config.Dispose();
    }

    private static async Task<TransmissionPeer> StartAsync(string torrentPath, string directory, TransmissionOptions options,
        CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var config = new TempDirectory("transmission");
        var marker = new CompletionMarker(config.Path);
        int port = options.ListenPort != 0 ? options.ListenPort : FreePort.Next();
        File.WriteAllText(Path.Combine(config.Path, "settings.json"), Settings(port, directory, options));
        List<string> arguments = ["-g", config.Path, "-w", directory, "-p", port.ToString(CultureInfo.InvariantCulture),
            "-f", marker.ScriptPath, torrentPath];
        var process = ReferenceProcess.Start("transmission", options.Executable ?? ReferenceExecutables.Resolve("transmission-cli"),
            arguments);
        var peer = new TransmissionPeer(process, config, marker, port);
        try
        {
            // transmission-cli prints nothing when it starts listening: probe the port.
            await Waits.PollAsync(() => Accepts(port), () => process.HasExited ? $"transmission-cli exited with {process.ExitCode}" : null,
                options.StartTimeout, cancellationToken, $"Transmission to listen on port {port}", process.Describe,
                TimeSpan.FromMilliseconds(25));
            return peer;
        }
        catch
        {
            await peer.DisposeAsync();
            throw;
        }
    }

    private static string Settings(int port, string directory, TransmissionOptions options)
    {
        var settings = new Dictionary<string, object>
        {
            ["dht-enabled"] = false,
            ["lpd-enabled"] = false,
            ["pex-enabled"] = false,
            ["utp-enabled"] = false,
            ["port-forwarding-enabled"] = false,
            ["bind-address-ipv4"] = "127.0.0.1",
            ["bind-address-ipv6"] = "::1",
            ["rpc-enabled"] = false,
            ["peer-port"] = port,
            ["peer-port-random-on-start"] = false,
            ["download-dir"] = directory,
            ["incomplete-dir-enabled"] = false,
            ["blocklist-enabled"] = false,
            ["ratio-limit-enabled"] = false,
            ["idle-seeding-limit-enabled"] = false,
            ["speed-limit-up-enabled"] = options.UploadRateLimit > 0,
            ["speed-limit-up"] = KiloBytes(options.UploadRateLimit),
            ["speed-limit-down-enabled"] = options.DownloadRateLimit > 0,
            ["speed-limit-down"] = KiloBytes(options.DownloadRateLimit),
            ["message-level"] = 2,
        };
        return JsonSerializer.Serialize(settings);
    }

    private static long KiloBytes(long bytesPerSecond) => bytesPerSecond <= 0 ? 0 : Math.Max(1, bytesPerSecond / 1000);

    /// <summary>A bare TCP connect; Transmission drops a connection that sends no handshake.</summary>
    private static bool Accepts(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
