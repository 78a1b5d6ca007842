using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Shoal.Tests.Support.Reference;

/// <summary>
/// Shoal's own command line (`shoal seed` / `shoal get`, run as `dotnet Shoal.Cli.dll`) as a peer process, driven
/// exactly as a user would, with --json progress lines parsed for completion. It sits beside the reference programs
/// so interop tests and benchmarks can put Shoal on either side of a transfer.
/// </summary>
public sealed class ShoalPeer : IReferencePeer
{
    private readonly ReferenceProcess _process;
    private readonly TaskCompletionSource _complete = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ShoalPeer(ReferenceProcess process, int port)
    {
        _process = process;
        ListenPort = port;
    }

    public string Name => "shoal";

    public int ListenPort { get; }

    public int? ProcessId => _process.Id;

    /// <summary>The last --json progress object printed.</summary>
    public JsonElement? LatestStatus { get; private set; }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _maxima = new();

    /// <summary>The largest value a numeric --json field (peers_utp, peers_encrypted, ...) has had so far; 0 if never seen.</summary>
    public long MaxSeen(string field) => _maxima.GetValueOrDefault(field);

    private void RecordMaxima(JsonElement root)
    {
        foreach (var property in root.EnumerateObject())
            if (property.Value.ValueKind == JsonValueKind.Number && property.Value.TryGetInt64(out long value))
                _maxima.AddOrUpdate(property.Name, value, (_, old) => Math.Max(old, value));
    }

    /// <summary>Where the CLI assembly is: next to the test (or harness) assembly, or given by SHOAL_CLI.</summary>
    public static string CliPath =>
        Environment.GetEnvironmentVariable("SHOAL_CLI") is { Length: > 0 } custom ? custom : Path.Combine(AppContext.BaseDirectory, "Shoal.Cli.dll");

    public static Task<ShoalPeer> SeedAsync(string torrentPath, string dataDirectory, ShoalOptions? options = null, CancellationToken ct = default)
    {
        string name = ReadName(torrentPath);
        return StartAsync(["seed", Path.Combine(dataDirectory, name), "--torrent", torrentPath], options ?? new(), ct);
    }

    public static Task<ShoalPeer> DownloadAsync(string torrentPath, string targetDirectory, ShoalOptions? options = null, CancellationToken ct = default) =>
        StartAsync(["get", torrentPath, "-o", targetDirectory, "--seed"], options ?? new(), ct);

    /// <summary>`shoal get MAGNET`: metadata from the swarm first, then the data.</summary>
    public static Task<ShoalPeer> DownloadMagnetAsync(string magnet, string targetDirectory, ShoalOptions? options = null, CancellationToken ct = default) =>
        StartAsync(["get", magnet, "-o", targetDirectory, "--seed"], options ?? new(), ct);

    public Task WaitForCompletionAsync(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        Waits.UntilAsync(_complete.Task, _process, timeout, cancellationToken, "shoal to hold every piece");

    public string Describe() => _process.Describe();

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    private static async Task<ShoalPeer> StartAsync(List<string> arguments, ShoalOptions options, CancellationToken ct)
    {
        int port = options.ListenPort != 0 ? options.ListenPort : FreePort.Next();
        arguments.AddRange(["--port", Invariant(port), "--bind", "127.0.0.1", "--json", "--no-lsd"]);
        if (options.UploadRateLimit > 0) arguments.AddRange(["--upload-limit", Invariant(options.UploadRateLimit)]);
        if (options.DownloadRateLimit > 0) arguments.AddRange(["--download-limit", Invariant(options.DownloadRateLimit)]);
        if (options.ReannounceEvery is { } every) arguments.AddRange(["--reannounce", Invariant((long)Math.Max(1, every.TotalSeconds))]);
        foreach (var peer in options.ConnectTo) arguments.AddRange(["--peer", peer.ToString()]);
        arguments.AddRange(options.ExtraArguments);

        ShoalPeer? created = null;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = ReferenceProcess.Start("shoal", "dotnet", [CliPath, .. arguments], line =>
        {
            if (!line.StartsWith('{')) return;
            started.TrySetResult();
            try
            {
                using var json = JsonDocument.Parse(line);
                var root = json.RootElement.Clone();
                var peer = created;
                if (peer is null) return;
                peer.LatestStatus = root;
                peer.RecordMaxima(root);
                bool done = Text(root, "event") == "complete" || Text(root, "state") == "seeding";
                if (done) peer._complete.TrySetResult();
            }
            catch (JsonException) { }
        });
        created = new ShoalPeer(process, port);
        try
        {
            // The first JSON line comes after the listener is bound and the data checked.
            await Waits.UntilAsync(started.Task, process, options.StartTimeout, ct, "shoal to start");
            return created;
        }
        catch
        {
            await created.DisposeAsync();
            throw;
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>The torrent's name (its top-level file or folder), read with Shoal's own parser.</summary>
    private static string ReadName(string torrentPath) => Shoal.Metainfo.Torrent.Load(torrentPath).Info.Name;

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}

public sealed record ShoalOptions
{
    public int ListenPort { get; init; }
    public long UploadRateLimit { get; init; }
    public long DownloadRateLimit { get; init; }
    public TimeSpan? ReannounceEvery { get; init; }
    public IReadOnlyList<IPEndPoint> ConnectTo { get; init; } = [];
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
