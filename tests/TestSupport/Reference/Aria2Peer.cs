using System.Globalization;

namespace Shoal.Tests.Support.Reference;

/// <summary>
/// aria2c 1.36 as a BitTorrent peer with the flags from INTEROP.md (no DHT, LPD or PEX; bound to 127.0.0.1; IPv4 only).
/// It finds peers only through the torrent's trackers: it has no way to add a peer by hand.
/// Completion is signalled by --on-bt-download-complete, which aria2 also runs once a seeder's
/// --check-integrity pass has found every piece.
/// </summary>
public sealed class Aria2Peer : IReferencePeer
{
    private readonly ReferenceProcess _process;
    private readonly TempDirectory _config;
    private readonly CompletionMarker _marker;
    private readonly bool _exitsWhenDone;

    private Aria2Peer(ReferenceProcess process, TempDirectory config, CompletionMarker marker, int port, bool exitsWhenDone)
    {
        _process = process;
        _config = config;
        _marker = marker;
        ListenPort = port;
        _exitsWhenDone = exitsWhenDone;
    }

    public string Name => "aria2";

    public int ListenPort { get; }

    public int? ProcessId => _process.Id;

    /// <summary>Seeds the data of <paramref name="torrentPath"/> found in <paramref name="dataDirectory"/> after checking it
    /// (--check-integrity=true --seed-ratio=0.0: seed until stopped).</summary>
    public static Task<Aria2Peer> SeedAsync(string torrentPath, string dataDirectory, Aria2Options? options = null,
        CancellationToken cancellationToken = default) =>
        StartAsync(torrentPath, dataDirectory, seed: true, options ?? new(), cancellationToken);

    /// <summary>Downloads into <paramref name="targetDirectory"/>; exits when done unless <see cref="Aria2Options.KeepSeeding"/>.</summary>
    public static Task<Aria2Peer> DownloadAsync(string torrentPath, string targetDirectory, Aria2Options? options = null,
        CancellationToken cancellationToken = default) =>
        StartAsync(torrentPath, targetDirectory, seed: false, options ?? new(), cancellationToken);

    public Task WaitForCompletionAsync(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        Waits.PollAsync(() => _marker.IsSet || (_exitsWhenDone && _process.ExitCode == 0),
            () => _process.HasExited && !_marker.IsSet && !(_exitsWhenDone && _process.ExitCode == 0)
                ? $"aria2 exited with {_process.ExitCode}" : null,
            timeout, cancellationToken, "aria2 to hold every piece", Describe);

    public string Describe() => _process.Describe();

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        _config.Dispose();
    }

    private static async Task<Aria2Peer> StartAsync(string torrentPath, string directory, bool seed, Aria2Options options,
        CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var config = new TempDirectory("aria2");
        var marker = new CompletionMarker(config.Path);
        int port = options.ListenPort != 0 ? options.ListenPort : FreePort.Next();
        List<string> arguments =
        [
            "--no-conf", "--enable-dht=false", "--enable-dht6=false", "--bt-enable-lpd=false", "--enable-peer-exchange=false",
            "--interface=127.0.0.1", "--disable-ipv6=true", "--file-allocation=none",
            "--dir=" + directory, "--listen-port=" + Invariant(port),
            "--on-bt-download-complete=" + marker.ScriptPath,
            // Never outlive the test or benchmark that started it, even if that process is killed.
            "--stop-with-process=" + Invariant(Environment.ProcessId),
            "--summary-interval=0", "--enable-color=false", "--show-console-readout=false", "--console-log-level=notice",
            "--auto-file-renaming=false", "--bt-save-metadata=false",
            "--max-upload-limit=" + Invariant(options.UploadRateLimit),
            "--max-download-limit=" + Invariant(options.DownloadRateLimit),
            // aria2's control file and DHT state would otherwise go next to the data or into $HOME.
            "--dht-file-path=" + Path.Combine(config.Path, "dht.dat"),
        ];
        if (seed) arguments.AddRange(["--check-integrity=true", "--seed-ratio=0.0"]);
        else if (!options.KeepSeeding) arguments.Add("--seed-time=0");
        else arguments.Add("--seed-ratio=0.0");
        if (options.TrackerInterval is { } interval)
            arguments.Add("--bt-tracker-interval=" + Invariant((long)Math.Max(1, interval.TotalSeconds)));
        arguments.Add(torrentPath);

        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = ReferenceProcess.Start("aria2", options.Executable ?? ReferenceExecutables.Resolve("aria2c"), arguments,
            line => { if (line.Contains("BitTorrent: listening on TCP port", StringComparison.Ordinal)) listening.TrySetResult(); });
        var peer = new Aria2Peer(process, config, marker, port, exitsWhenDone: !seed && !options.KeepSeeding);
        try
        {
            // A download that completes at once may exit before we look; that counts as started too.
            await Waits.BoundedAsync(Task.WhenAny(listening.Task, process.Exited), options.StartTimeout, cancellationToken,
                "aria2 to listen", process.Describe);
            if (!listening.Task.IsCompleted && process.ExitCode != 0)
                throw new ReferencePeerException($"aria2 exited with {process.ExitCode} before listening\n{process.Describe()}");
            return peer;
        }
        catch
        {
            await peer.DisposeAsync();
            throw;
        }
    }

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
