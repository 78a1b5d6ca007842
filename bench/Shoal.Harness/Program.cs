using System.CommandLine;
using Shoal.Harness;
using Shoal.Storage;
using Shoal.Tests.Support.Dht;
using Shoal.Tests.Support.Reference;

// Whole-program transfer benchmarks on 127.0.0.1, comparing programs in the same run. See bench/README.md.
var runs = new Option<int>("--runs") { Description = "Timed runs (per pair); the median is reported", DefaultValueFactory = _ => 3 };
var size = new Option<string>("--size") { Description = "Payload size, e.g. 1GiB, 256MiB", DefaultValueFactory = _ => "1GiB" };
var pieceSize = new Option<string>("--piece-size") { Description = "Piece length of the torrent", DefaultValueFactory = _ => "256KiB" };
var json = new Option<string?>("--json") { Description = "Also write the results to this JSON file" };
var timeout = new Option<int?>("--timeout") { Description = "Seconds one transfer may take before the run fails" };

var pairs = new Option<string[]>("--pair")
{
    Description = "SEEDER:LEECHER kinds to compare, repeatable (kinds: " + string.Join(", ", TransferParticipants.All.Select(p => p.Kind)) + ")",
    DefaultValueFactory = _ => ["lt:lt"],
    Arity = ArgumentArity.OneOrMore,
};
var warmups = new Option<int>("--warmups") { Description = "Untimed transfers per pair before timing", DefaultValueFactory = _ => 1 };
var transport = new Option<string>("--transport")
{
    Description = "tcp or utp: every program on that transport alone (Shoal's default dials uTP first; the libtorrent script is TCP only)",
    DefaultValueFactory = _ => "tcp",
};
transport.AcceptOnlyFromAmong("tcp", "utp");
var format = new Option<string[]>("--format")
{
    Description = "Torrent format(s) of the payload, repeatable to compare in one run: v1, v2 (v2-only, BEP 52) or hybrid",
    DefaultValueFactory = _ => ["v1"],
    Arity = ArgumentArity.OneOrMore,
};
format.AcceptOnlyFromAmong("v1", "v2", "hybrid");
var pairCommand = new Command("pair", "1 seeder → 1 leecher over TCP or uTP: MB/s, leecher CPU-seconds and peak RSS, per program pair")
{
    pairs, size, pieceSize, runs, warmups, json, timeout, transport, format,
};
pairCommand.SetAction((parse, ct) => Guarded(async () =>
{
    var parsedPairs = parse.GetValue(pairs)!.Select(ParsePair).ToList();
    await UseReadyToRunShoalAsync(parsedPairs.SelectMany(p => new[] { p.Seeder, p.Leecher }), ct);
    var options = new PairOptions(
        [.. parsedPairs], ByteSize.Parse(parse.GetValue(size)!), PieceLength(parse.GetValue(pieceSize)!),
        parse.GetValue(runs), parse.GetValue(warmups), TimeSpan.FromSeconds(parse.GetValue(timeout) ?? 600), parse.GetValue(transport)!,
        [.. parse.GetValue(format)!.Distinct()]);
    var report = await new PairScenario(options, Console.Out).RunAsync(ct);
    Report.Print(report, Console.Out);
    if (parse.GetValue(json) is { } path) Report.WriteJson(report, path);
    return 0;
}));

var kind = new Option<string>("--kind") { Description = "Kind of every peer (seeder and leechers)", DefaultValueFactory = _ => "lt" };
var seederKind = new Option<string?>("--seeder") { Description = "Kind of the seeder, if not --kind" };
var leechers = new Option<int>("--leechers") { Description = "Number of leechers", DefaultValueFactory = _ => 8 };
var uploadCap = new Option<string>("--upload-cap") { Description = "Upload cap of every peer, per second, e.g. 10MB", DefaultValueFactory = _ => "10MB" };
var swarmSize = new Option<string>("--size") { Description = "Payload size", DefaultValueFactory = _ => "256MiB" };
var swarmCommand = new Command("swarm", "1 seeder + N leechers, every upload capped: time until the last leecher finishes vs the lower bound")
{
    kind, seederKind, leechers, uploadCap, swarmSize, pieceSize, runs, json, timeout,
};
swarmCommand.SetAction((parse, ct) => Guarded(async () =>
{
    var leecher = Participant(parse.GetValue(kind)!);
    await UseReadyToRunShoalAsync([leecher, Participant(parse.GetValue(seederKind) ?? parse.GetValue(kind)!)], ct);
    var options = new SwarmOptions(Participant(parse.GetValue(seederKind) ?? parse.GetValue(kind)!), leecher, parse.GetValue(leechers),
        ByteSize.Parse(parse.GetValue(uploadCap)!), ByteSize.Parse(parse.GetValue(swarmSize)!), PieceLength(parse.GetValue(pieceSize)!),
        parse.GetValue(runs), parse.GetValue(timeout) is { } seconds ? TimeSpan.FromSeconds(seconds) : null);
    var report = await new SwarmScenario(options, Console.Out).RunAsync(ct);
    Report.Print(report, Console.Out);
    if (parse.GetValue(json) is { } path) Report.WriteJson(report, path);
    return 0;
}));

var metadataPieces = new Option<int>("--pieces") { Description = "Pieces of the torrent (16 KiB each; 20 bytes of hash each)", DefaultValueFactory = _ => 20_000 };
var metadataCommand = new Command("metadata", "Magnet → metadata in hand (BEP 9): Shoal from a libtorrent seeder, libtorrent from a Shoal seeder")
{
    metadataPieces, runs, json, timeout,
};
metadataCommand.SetAction((parse, ct) => Guarded(async () =>
{
    if (TransferParticipants.All.First(p => p.Kind == "lt").Unavailable() is { } why) throw new HarnessUsageException(why);
    var report = await new MetadataScenario(parse.GetValue(metadataPieces), parse.GetValue(runs),
        TimeSpan.FromSeconds(parse.GetValue(timeout) ?? 120), Console.Out).RunAsync(ct);
    Report.Print(report, Console.Out);
    if (parse.GetValue(json) is { } path) Report.WriteJson(report, path);
    return 0;
}));

var simNodes = new Option<int[]>("--nodes")
{
    Description = "Network sizes to simulate, repeatable (e.g. --nodes 1000 --nodes 10000 --nodes 100000)",
    DefaultValueFactory = _ => [1000, 10_000],
    Arity = ArgumentArity.OneOrMore,
    AllowMultipleArgumentsPerToken = true,
};
var simLookups = new Option<int>("--lookups") { Description = "Lookups measured per network", DefaultValueFactory = _ => 200 };
var simSeed = new Option<int>("--seed") { Description = "Seed of the simulation (same seed, same figures)", DefaultValueFactory = _ => 1 };
var simUnreachable = new Option<double>("--unreachable") { Description = "Share of nodes behind a NAT", DefaultValueFactory = _ => 0.2 };
var simSlow = new Option<double>("--slow") { Description = "Share of nodes answering 0.8-2.5 s late", DefaultValueFactory = _ => 0.1 };
var simLoss = new Option<double>("--loss") { Description = "Share of datagrams lost", DefaultValueFactory = _ => 0.01 };
var simSettle = new Option<double>("--settle") { Description = "Simulated minutes between the last join and the lookups", DefaultValueFactory = _ => 2 };
var dhtSimCommand = new Command("dht-sim", "An in-memory DHT of N Shoal nodes in simulated time (20% behind NATs, 10% slow, 1% loss): " +
    "lookup success, queries per lookup and time to the 8 closest nodes, against log2 N")
{
    simNodes, simLookups, simSeed, simUnreachable, simSlow, simLoss, simSettle, json,
};
dhtSimCommand.SetAction((parse, ct) => Guarded(() =>
{
    var sizes = parse.GetValue(simNodes)!;
    if (sizes.Any(n => n is < 16 or > 2_000_000)) throw new HarnessUsageException("--nodes must be between 16 and 2,000,000");
    if (new[] { parse.GetValue(simUnreachable), parse.GetValue(simSlow), parse.GetValue(simLoss) }.Any(share => share is < 0 or > 0.9))
        throw new HarnessUsageException("--unreachable, --slow and --loss are shares between 0 and 0.9");
    var settings = new DhtSimulationSettings
    {
        Lookups = parse.GetValue(simLookups), Seed = parse.GetValue(simSeed), Unreachable = parse.GetValue(simUnreachable),
        Slow = parse.GetValue(simSlow), Loss = parse.GetValue(simLoss), Settle = TimeSpan.FromMinutes(parse.GetValue(simSettle)),
    };
    var reports = DhtScenarios.Simulate(sizes, settings, Console.Out);
    DhtScenarios.Print(reports, settings, Console.Out);
    if (parse.GetValue(json) is { } path) Report.WriteJson(reports, path);
    return Task.FromResult(0);
}));
var dhtMemoryCommand = new Command("dht-memory", "Heap bytes per DHT routing-table entry and per stored peer (GC heap deltas)") { json };
dhtMemoryCommand.SetAction((parse, ct) => Guarded(() =>
{
    var report = DhtScenarios.MeasureMemory();
    DhtScenarios.Print(report, Console.Out);
    if (parse.GetValue(json) is { } path) Report.WriteJson(report, path);
    return Task.FromResult(0);
}));

var magnetNodes = new Option<int>("--nodes") { Description = "libtorrent DHT nodes on 127.0.0.1", DefaultValueFactory = _ => 8 };
var magnetSize = new Option<string>("--size") { Description = "Payload size", DefaultValueFactory = _ => "16MiB" };
var dhtMagnetCommand = new Command("dht-magnet", "A trackerless magnet through a loopback DHT of libtorrent nodes: `shoal get` vs a libtorrent " +
    "leecher, seconds from spawn to the first peer, the metadata and completion")
{
    magnetNodes, magnetSize, runs, json, timeout,
};
dhtMagnetCommand.SetAction((parse, ct) => Guarded(async () =>
{
    if (TransferParticipants.All.First(p => p.Kind == "lt").Unavailable() is { } why) throw new HarnessUsageException(why);
    int nodeCount = parse.GetValue(magnetNodes);
    if (nodeCount is < 1 or > 64) throw new HarnessUsageException("--nodes must be between 1 and 64");
    var scenario = new DhtMagnetScenario(nodeCount, ByteSize.Parse(parse.GetValue(magnetSize)!), parse.GetValue(runs),
        TimeSpan.FromSeconds(parse.GetValue(timeout) ?? 120), await ShoalCliAsync(ct), Console.Out);
    var report = await scenario.RunAsync(ct);
    DhtMagnetScenario.Print(report, Console.Out);
    if (parse.GetValue(json) is { } path) Report.WriteJson(report, path);
    return 0;
}));

var daemonTorrents = new Option<int>("--torrents") { Description = "Small torrents each daemon seeds", DefaultValueFactory = _ => 1000 };
var idleSeconds = new Option<int>("--idle") { Description = "Seconds of idle seeding measured", DefaultValueFactory = _ => 60 };
var daemonPrograms = new Option<string[]>("--daemon")
{
    Description = "Daemons to compare, repeatable: shoal, transmission (transmission-daemon), qbittorrent (qbittorrent-nox)",
    DefaultValueFactory = _ => ["shoal", "transmission", "qbittorrent"],
    Arity = ArgumentArity.OneOrMore,
};
var daemonCommand = new Command("daemon", "N small torrents seeding in one daemon: time to add them, idle CPU and RSS, time from a restart to all seeding")
{
    daemonTorrents, idleSeconds, daemonPrograms,
};
daemonCommand.SetAction((parse, ct) => Guarded(async () =>
{
    string cli = await ShoalCliAsync(ct);
    var idle = TimeSpan.FromSeconds(parse.GetValue(idleSeconds));
    var results = await new DaemonScenario(parse.GetValue(daemonTorrents), idle, parse.GetValue(daemonPrograms)!, cli, Console.Out).RunAsync(ct);
    DaemonScenario.Print(results, idle, Console.Out);
    return 0;
}));

var churnMinutes = new Option<double>("--minutes") { Description = "How long to churn (after the warm-up)", DefaultValueFactory = _ => 10 };
var churnSize = new Option<string>("--size") { Description = "Payload of each loop", DefaultValueFactory = _ => "16MiB" };
var churnWarmup = new Option<int>("--warmup") { Description = "Loops before sampling starts", DefaultValueFactory = _ => 3 };
var churnCommand = new Command("daemon-soak",
    "Shoal's daemon adding, downloading and removing a torrent in a loop: memory, descriptors, threads first vs last minute; exit 1 if they grew")
{
    churnMinutes, churnSize, churnWarmup,
};
churnCommand.Aliases.Add("daemon-churn");
churnCommand.SetAction((parse, ct) => Guarded(async () =>
{
    if (parse.GetValue(churnMinutes) <= 0 || parse.GetValue(churnWarmup) < 0) throw new HarnessUsageException("--minutes must be positive and --warmup not negative");
    await using var scenarios = new DaemonLoadScenarios(await ShoalCliAsync(ct), Console.Out);
    bool held = await scenarios.SoakAsync(TimeSpan.FromMinutes(parse.GetValue(churnMinutes)), ByteSize.Parse(parse.GetValue(churnSize)!),
        parse.GetValue(churnWarmup), ct);
    return held ? 0 : 1;
}));

var daemonPairSize = new Option<string>("--size") { Description = "Payload size", DefaultValueFactory = _ => "1GiB" };
var daemonPairCommand = new Command("daemon-pair", "The same download by `shoal get` and by `shoal daemon`, alternately, from a local `shoal seed`")
{
    daemonPairSize, runs,
};
daemonPairCommand.SetAction((parse, ct) => Guarded(async () =>
{
    await using var scenarios = new DaemonLoadScenarios(await ShoalCliAsync(ct), Console.Out);
    await scenarios.PairAsync(ByteSize.Parse(parse.GetValue(daemonPairSize)!), parse.GetValue(runs), ct);
    return 0;
}));

var root = new RootCommand("Shoal whole-program transfer benchmarks (reference programs on 127.0.0.1)")
{
    pairCommand, swarmCommand, metadataCommand, daemonCommand, churnCommand, daemonPairCommand, dhtSimCommand, dhtMemoryCommand, dhtMagnetCommand,
};
return await root.Parse(args).InvokeAsync();

// Usage mistakes are one line and exit code 2; a failed run (a program failed, timed out or delivered wrong bytes)
// prints what the programs said and exits with 1.
static async Task<int> Guarded(Func<Task<int>> action)
{
    try
    {
        return await action();
    }
    catch (Exception e) when (e is HarnessUsageException or FormatException)
    {
        Console.Error.WriteLine($"error: {e.Message}");
        return 2;
    }
    catch (Exception e) when (e is ReferencePeerException or TimeoutException or InvalidOperationException)
    {
        Console.Error.WriteLine($"run failed: {e.Message}");
        return 1;
    }
}

// Unless SHOAL_CLI names a build to use, the `shoal` kind runs a freshly published ReadyToRun CLI.
static async Task UseReadyToRunShoalAsync(IEnumerable<ITransferParticipant> participants, CancellationToken ct)
{
    if (!participants.Any(p => p is ShoalParticipant) || Environment.GetEnvironmentVariable("SHOAL_CLI") is { Length: > 0 }) return;
    Environment.SetEnvironmentVariable("SHOAL_CLI", await ShoalBuild.PublishReadyToRunAsync(Console.Out, ct));
}

// The CLI the daemon scenarios run: SHOAL_CLI, else a ReadyToRun publish (as for the `shoal` kind).
static async Task<string> ShoalCliAsync(CancellationToken ct) =>
    Environment.GetEnvironmentVariable("SHOAL_CLI") is { Length: > 0 } cli ? cli : await ShoalBuild.PublishReadyToRunAsync(Console.Out, ct);

static TransferPair ParsePair(string text)
{
    var parts = text.Split(':');
    if (parts.Length != 2) throw new HarnessUsageException($"--pair '{text}' must be SEEDER:LEECHER, e.g. lt:aria2");
    return new TransferPair(Participant(parts[0]), Participant(parts[1]));
}

static ITransferParticipant Participant(string kind)
{
    var participant = TransferParticipants.All.FirstOrDefault(p => string.Equals(p.Kind, kind, StringComparison.OrdinalIgnoreCase))
        ?? throw new HarnessUsageException($"unknown peer kind '{kind}' (known: {string.Join(", ", TransferParticipants.All.Select(p => p.Kind))}; " +
            "a new kind, e.g. Shoal's CLI, is added as an ITransferParticipant in TransferParticipants)");
    if (participant.Unavailable() is { } why) throw new HarnessUsageException(why);
    return participant;
}

static int PieceLength(string text)
{
    long bytes = ByteSize.Parse(text);
    return bytes is >= 16 * 1024 and <= 64L << 20 && (bytes & (bytes - 1)) == 0
        ? (int)bytes
        : throw new HarnessUsageException($"--piece-size {text} must be a power of two between 16 KiB and 64 MiB");
}

internal sealed class HarnessUsageException(string message) : Exception(message);
