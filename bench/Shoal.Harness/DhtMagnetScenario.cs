using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;

namespace Shoal.Harness;

/// <summary>
/// A trackerless magnet link found through a loopback DHT of libtorrent nodes, in the same run: `shoal get MAGNET`
/// (over TCP only like libtorrent here, and as installed: uTP first) and a libtorrent leecher with the same link, in
/// rotation, all bootstrapped from the same node, all timed from process spawn to the first peer a DHT reply names, the
/// first peer connection, the metadata and the last verified piece.
/// The DHT: <c>nodes</c> lt_dht.py nodes on 127.0.0.1 that know each other, and a libtorrent seeder announced on it
/// (no tracker anywhere); the leechers start once at least half the nodes hold the seeder's announce.
/// </summary>
public sealed class DhtMagnetScenario(int nodes, long size, int runs, TimeSpan timeout, string shoalCli, TextWriter log)
{
    private static readonly string[] Milestones = ["first peer found", "first peer connected", "metadata", "complete"];

    /// <summary>Shoal over TCP only, as every libtorrent here runs (INTEROP.md: no uTP): the like-for-like row.</summary>
    private const string ShoalTcp = "shoal --transport tcp";

    /// <summary>
    /// Shoal as installed: uTP first, TCP after a 1 s head start. The libtorrent seeder has no uTP, so this row shows
    /// what that head start costs with a TCP-only peer.
    /// </summary>
    private const string ShoalDefault = "shoal (uTP first)";

    private static readonly string[] Programs = [ShoalTcp, "libtorrent", ShoalDefault];

    public async Task<DhtMagnetReport> RunAsync(CancellationToken cancellationToken)
    {
        using var work = new TempDirectory("harness-dht-magnet");
        string content = work.Combine("seed", "payload.bin");
        PayloadFile.Write(content, size, seed: (ulong)size);
        var torrent = await LibtorrentPeer.CreateTorrentAsync(content, work.Combine("payload.torrent"), cancellationToken: cancellationToken);
        string magnet = $"magnet:?xt=urn:btih:{torrent.InfoHash.ToHex()}&dn=payload.bin";

        var dht = new List<LibtorrentDhtNode>();
        try
        {
            await StartDhtAsync(dht, work, cancellationToken);
            var bootstrap = dht[0].EndPoint;
            var seederOptions = new LibtorrentOptions
            {
                // Routers to libtorrent: its table fills from their replies. It re-announces often so the wait below is short.
                DhtBootstrap = [.. dht.Select(n => n.EndPoint)],
                ExtraSettings = new Dictionary<string, string> { ["dht_announce_interval"] = "3" },
            };
            await using var seeder = await LibtorrentPeer.SeedAsync(torrent.TorrentPath, work.Combine("seed"), seederOptions, cancellationToken);
            await seeder.WaitForCompletionAsync(TimeSpan.FromSeconds(60), cancellationToken);
            int quorum = (nodes + 1) / 2;
            var announced = Stopwatch.StartNew();
            await Waits.PollAsync(() => NodesHolding(dht, seeder.ListenPort) >= quorum, () => null, TimeSpan.FromSeconds(90), cancellationToken,
                $"the seeder's announce to reach {quorum} of {nodes} DHT nodes", seeder.Describe, TimeSpan.FromMilliseconds(50));
            log.WriteLine($"{nodes} libtorrent DHT nodes; seeder on port {seeder.ListenPort} announced to {NodesHolding(dht, seeder.ListenPort)} " +
                $"of them ({announced.Elapsed.TotalSeconds:0.0} s); payload {size:N0} bytes, info-hash {torrent.InfoHash.ToHex()}");

            var results = new List<DhtMagnetRun>();
            for (int round = 1; round <= runs; round++)
            {
                // Rotate who goes first, so no program always meets a DHT that just served another.
                foreach (var program in Programs.Skip((round - 1) % Programs.Length).Concat(Programs.Take((round - 1) % Programs.Length)))
                {
                    string target = work.Combine($"{program}-{round}");
                    var run = program == "libtorrent"
                        ? await LibtorrentAsync(magnet, bootstrap, target, round, cancellationToken)
                        : await ShoalAsync(magnet, bootstrap, target, round, tcpOnly: program == ShoalTcp, cancellationToken);
                    if (ContentComparison.Differences(content, Path.Combine(target, "payload.bin")) is { } differences)
                        throw new InvalidOperationException($"{program} delivered different bytes: {differences}");
                    Directory.Delete(target, recursive: true);
                    log.WriteLine($"  round {round} {program,-21} " + string.Join(" | ", Milestones.Select((m, i) => $"{m} {Seconds(run.Seconds[i])}")));
                    results.Add(run);
                }
            }
            return new DhtMagnetReport(nodes, size, results, MachineInfo.Describe());
        }
        finally
        {
            foreach (var node in dht) await node.DisposeAsync();
        }
    }

    /// <summary>Starts the nodes, each told of every earlier one, then waits until every table holds at least half of the others.</summary>
    private async Task StartDhtAsync(List<LibtorrentDhtNode> dht, TempDirectory work, CancellationToken cancellationToken)
    {
        for (int i = 0; i < nodes; i++)
            dht.Add(await LibtorrentDhtNode.StartAsync(work.Combine($"dht-{i}"), dht.Select(n => n.EndPoint).ToList(), cancellationToken));
        foreach (var node in dht)
            foreach (var other in dht)
                if (other != node) await node.AddNodeAsync(other.EndPoint);
        var deadline = Stopwatch.StartNew();
        foreach (var node in dht)
        {
            while (true)
            {
                var table = await node.LiveNodesAsync(cancellationToken);
                if (table.Count >= (nodes - 1) / 2) break;
                if (deadline.Elapsed > TimeSpan.FromSeconds(60))
                    throw new TimeoutException($"a libtorrent DHT node knows only {table.Count} of the other {nodes - 1} after 60 s\n{node.Describe()}");
                await Task.Delay(100, cancellationToken);
            }
        }
    }

    private static int NodesHolding(List<LibtorrentDhtNode> dht, int port) =>
        dht.Count(n => n.AnnouncesReceived.Any(a => a.Peer.Port == port));

    private static string Seconds(double? value) => value is { } v ? v.ToString("0.000", CultureInfo.InvariantCulture) + " s" : "—";

    /// <summary>
    /// `shoal get MAGNET --json`: the first "metadata" line with known_peers (every known peer comes from the DHT here) and
    /// with connected_peers, the one whose received_bytes reaches total_bytes, then the "complete" line.
    /// </summary>
    private Task<DhtMagnetRun> ShoalAsync(string magnet, IPEndPoint bootstrap, string target, int round, bool tcpOnly,
        CancellationToken cancellationToken) =>
        TimeAsync(tcpOnly ? ShoalTcp : ShoalDefault, round, "dotnet",
            [shoalCli, "get", magnet, "-o", target, "--port", Invariant(FreePort.Next()), "--bind", "127.0.0.1", "--json", "--no-lsd",
             "--dht-bootstrap", bootstrap.ToString(), "--idle-timeout", "60", .. tcpOnly ? new[] { "--transport", "tcp" } : [],
             .. Verbose ? new[] { "--verbose" } : []],
            (root, record) =>
            {
                switch (Text(root, "event"))
                {
                    case "metadata":
                        if (Number(root, "known_peers") > 0) record(0);
                        if (Number(root, "connected_peers") > 0) record(1);
                        if (root.TryGetProperty("total_bytes", out var total) && total.ValueKind == JsonValueKind.Number &&
                            Number(root, "received_bytes") == total.GetInt64()) record(2);
                        break;
                    case "complete":
                        record(3);
                        break;
                }
            }, cancellationToken);

    /// <summary>lt_peer.py with the DHT bootstrapped from the same node: dht_reply with peers, peer_connected, metadata, finished.</summary>
    private Task<DhtMagnetRun> LibtorrentAsync(string magnet, IPEndPoint bootstrap, string target, int round, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(target);
        return TimeAsync("libtorrent", round, ReferenceExecutables.DebianPython,
            [ReferenceExecutables.LibtorrentScript, "download", "--magnet", magnet, "--save", target, "--port", Invariant(FreePort.Next()),
             "--dht", "--dht-first", "--set", $"dht_bootstrap_nodes={bootstrap}", "--status-interval", "1"],
            (root, record) =>
            {
                switch (Text(root, "event"))
                {
                    case "dht_reply" when Number(root, "peers") > 0: record(0); break;
                    case "peer_connected": record(1); break;
                    case "metadata": record(2); break;
                    case "finished": record(3); break;
                }
            }, cancellationToken);
    }

    /// <summary>Runs one leecher until its last milestone, timing each milestone's first line from the spawn.</summary>
    private async Task<DhtMagnetRun> TimeAsync(string program, int round, string fileName, IReadOnlyList<string> arguments,
        Action<JsonElement, Action<int>> onEvent, CancellationToken cancellationToken)
    {
        var seconds = new double[Milestones.Length];
        Array.Fill(seconds, double.NaN);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = Stopwatch.StartNew();
        void Record(int milestone)
        {
            lock (seconds)
                if (double.IsNaN(seconds[milestone])) seconds[milestone] = clock.Elapsed.TotalSeconds;
            if (milestone == Milestones.Length - 1) done.TrySetResult();
        }
        await using var process = ReferenceProcess.Start(program, fileName, arguments, line =>
        {
            if (!line.StartsWith('{')) return;
            try
            {
                using var doc = JsonDocument.Parse(line);
                onEvent(doc.RootElement, Record);
            }
            catch (JsonException)
            {
                // Kept in the process log for the failure message.
            }
        }, keepStdinOpen: program == "libtorrent");
        await ((Task)Task.WhenAny(done.Task, process.Exited)).WaitAsync(timeout, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        cancellationToken.ThrowIfCancellationRequested();
        if (!done.Task.IsCompleted) throw new ReferencePeerException($"{program} did not complete the magnet download within {timeout.TotalSeconds:0} s\n{process.Describe()}");
        if (program == "libtorrent") await process.WriteLineAsync("quit"); // flushes its store buffer before exiting
        else await process.Exited.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await process.Exited.WaitAsync(TimeSpan.FromSeconds(15), cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (Verbose) log.WriteLine(process.Describe());
        lock (seconds) return new DhtMagnetRun(program, round, [.. seconds.Select(s => double.IsNaN(s) ? (double?)null : s)]);
    }

    /// <summary>HARNESS_VERBOSE=1: Shoal logs its connections, and every leecher's output is printed after its run.</summary>
    private static bool Verbose => Environment.GetEnvironmentVariable("HARNESS_VERBOSE") == "1";

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : 0;

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    public static void Print(DhtMagnetReport report, TextWriter output)
    {
        output.WriteLine();
        output.WriteLine($"trackerless magnet, {report.Nodes} libtorrent DHT nodes on 127.0.0.1, {Storage.ByteSize.Format(report.Size)}, seconds from " +
            $"process spawn, median of {report.Runs.Max(r => r.Round)} (min–max) ({report.Machine.Cores} cores, load average {report.Machine.LoadAverage})");
        Report.Table(output, ["leecher", .. Milestones],
            report.Runs.GroupBy(r => r.Program).Select(g => new[] { g.Key }
                .Concat(Milestones.Select((_, i) =>
                {
                    var values = g.Select(r => r.Seconds[i]).OfType<double>().ToList();
                    return values.Count == 0 ? "—"
                        : $"{Report.F(Statistics.Median(values), "0.00")} ({Report.F(values.Min(), "0.00")}–{Report.F(values.Max(), "0.00")})";
                })).ToArray()));
    }
}

/// <summary>One leecher's run: seconds from spawn to each milestone (null: never reported).</summary>
public sealed record DhtMagnetRun(string Program, int Round, double?[] Seconds);

public sealed record DhtMagnetReport(int Nodes, long Size, IReadOnlyList<DhtMagnetRun> Runs, MachineInfo Machine)
{
    public string Scenario => "dht-magnet";

    public string[] Milestones => ["first peer found", "first peer connected", "metadata", "complete"];

    /// <summary>Median seconds per program and milestone.</summary>
    public IReadOnlyDictionary<string, double?[]> MedianSeconds =>
        Runs.GroupBy(r => r.Program).ToDictionary(g => g.Key,
            g => Enumerable.Range(0, Milestones.Length)
                .Select(i => g.Any(r => r.Seconds[i] is not null) ? Statistics.Median(g.Select(r => r.Seconds[i]).OfType<double>()) : (double?)null).ToArray());
}
