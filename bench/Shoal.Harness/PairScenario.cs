using System.Diagnostics;
using Shoal.Storage;
using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;

namespace Shoal.Harness;

/// <summary>
/// One seeder → one leecher over TCP (or uTP, every program on it alone) on 127.0.0.1, for several program pairs in the same run. Pairs alternate (each
/// round starts with a different pair) so that no program always meets the warmest or coldest machine state; every
/// pair gets an untimed warm-up transfer first. A run is timed from the leecher's start to its report of every
/// piece verified; its output is then compared byte for byte with the payload.
/// </summary>
public sealed class PairScenario(PairOptions options, TextWriter log)
{
    public async Task<PairReport> RunAsync(CancellationToken cancellationToken)
    {
        using var work = new TempDirectory("harness");
        log.WriteLine($"generating {ByteSize.Format(options.Size)} payload in {work.Path} ...");
        var v1 = await Payload.CreateAsync(work.Path, options.Size, options.PieceLength, cancellationToken);
        // Every pair once per torrent format (the same file as v1, v2-only or hybrid), named "seeder:leecher v2" past plain v1.
        var variants = new List<(TransferPair Pair, Payload Payload, string Name)>();
        foreach (var format in options.Formats)
        {
            var payload = format == "v1" ? v1 : await v1.WithFormatAsync(work.Path, format, options.PieceLength, cancellationToken);
            foreach (var pair in options.Pairs) variants.Add((pair, payload, options.Formats is ["v1"] ? pair.Name : $"{pair.Name} {format}"));
        }

        for (int w = 0; w < options.Warmups; w++)
            foreach (var (pair, payload, name) in variants)
            {
                var warm = await RunOnceAsync(pair, payload, work.Combine("warmup"), cancellationToken);
                log.WriteLine($"  warm-up {name,-19} {warm.MegabytesPerSecond,8:0.0} MB/s (not counted)");
            }

        var runs = new List<PairRun>();
        for (int round = 0; round < options.Runs; round++)
            for (int i = 0; i < variants.Count; i++)
            {
                var (pair, payload, name) = variants[(i + round) % variants.Count];
                var run = await RunOnceAsync(pair, payload, work.Combine($"run-{round}-{i}"), cancellationToken) with { Round = round + 1, Pair = name };
                runs.Add(run);
                log.WriteLine($"  round {round + 1} {name,-19} {run.MegabytesPerSecond,8:0.0} MB/s  {run.Seconds,6:0.00} s  " +
                    $"leecher {run.LeecherCpuSeconds,5:0.0} CPU-s {run.LeecherPeakRssBytes / 1e6,7:0} MB peak RSS");
            }
        return new PairReport(options.Size, options.PieceLength, options.Runs, runs, MachineInfo.Describe()) { Transport = options.Transport };
    }

    private async Task<PairRun> RunOnceAsync(TransferPair pair, Payload payload, string runDirectory, CancellationToken cancellationToken)
    {
        try
        {
            var seederSetup = new TransferSetup("", "")
            {
                ReannounceEvery = TransferParticipants.ReannounceNeededFor(pair.Leecher),
                Transport = options.Transport,
            };
            await using var swarm = await SeededSwarm.StartAsync(payload, runDirectory, pair.Seeder, seederSetup, options.Timeout, cancellationToken);
            var target = Path.Combine(runDirectory, "leech");
            MemoryWarmer.Touch(payload.Length + (256L << 20));

            var seederBefore = swarm.SeederUsage.Sample();
            var clock = Stopwatch.StartNew();
            await using var leecher = await pair.Leecher.StartAsync(TransferRole.Leech,
                new TransferSetup(swarm.TorrentPath, target) { KeepRunningWhenDone = true, Transport = options.Transport }, cancellationToken);
            await using var usage = new ProcessSampler(leecher.ProcessId ?? throw new InvalidOperationException($"{leecher.Name} has no process to measure"));
            await leecher.WaitForCompletionAsync(options.Timeout, cancellationToken);
            var seconds = clock.Elapsed.TotalSeconds;
            var leecherUsage = usage.Sample();
            var seederUsage = swarm.SeederUsage.Sample();
            await leecher.DisposeAsync();

            if (ContentComparison.Differences(payload.FilePath, Path.Combine(target, payload.Name)) is { } difference)
                throw new InvalidOperationException($"{pair.Name}: the leecher's copy is wrong: {difference}\n{leecher.Describe()}");
            return new PairRun(pair.Name, 0, seconds, payload.Length / seconds / 1e6, leecherUsage.CpuSeconds, leecherUsage.PeakRssBytes,
                seederUsage.CpuSeconds - seederBefore.CpuSeconds);
        }
        finally
        {
            if (Directory.Exists(runDirectory)) Directory.Delete(runDirectory, recursive: true);
        }
    }
}

public sealed record TransferPair(ITransferParticipant Seeder, ITransferParticipant Leecher)
{
    public string Name => $"{Seeder.Kind}:{Leecher.Kind}";
}

/// <param name="Transport">"tcp" or "utp": every program on that transport alone.</param>
/// <param name="Formats">Torrent formats to run every pair with: "v1", "v2" (v2-only), "hybrid"; null = v1.</param>
public sealed record PairOptions(IReadOnlyList<TransferPair> Pairs, long Size, int PieceLength, int Runs, int Warmups, TimeSpan Timeout,
    string Transport = "tcp", IReadOnlyList<string>? Formats = null)
{
    public IReadOnlyList<string> Formats { get; init; } = Formats is { Count: > 0 } ? Formats : ["v1"];
}

/// <param name="MegabytesPerSecond">Payload bytes / 10^6 / seconds.</param>
/// <param name="SeederCpuSeconds">CPU the seeder spent while the leecher ran.</param>
public sealed record PairRun(string Pair, int Round, double Seconds, double MegabytesPerSecond, double LeecherCpuSeconds,
    long LeecherPeakRssBytes, double SeederCpuSeconds);

public sealed record PairSummary(string Pair, int Runs, double MedianMegabytesPerSecond, double MinMegabytesPerSecond,
    double MaxMegabytesPerSecond, double MedianSeconds, double MedianLeecherCpuSeconds, double MedianLeecherPeakRssMegabytes,
    double MedianSeederCpuSeconds);

public sealed record PairReport(long Size, int PieceLength, int RunsPerPair, IReadOnlyList<PairRun> Runs, MachineInfo Machine)
{
    public string Scenario => "pair";

    public string Transport { get; init; } = "tcp";

    public IReadOnlyList<PairSummary> Summary =>
    [
        .. Runs.GroupBy(r => r.Pair).Select(g => new PairSummary(g.Key, g.Count(),
            Statistics.Median(g.Select(r => r.MegabytesPerSecond)), g.Min(r => r.MegabytesPerSecond), g.Max(r => r.MegabytesPerSecond),
            Statistics.Median(g.Select(r => r.Seconds)), Statistics.Median(g.Select(r => r.LeecherCpuSeconds)),
            Statistics.Median(g.Select(r => r.LeecherPeakRssBytes / 1e6)), Statistics.Median(g.Select(r => r.SeederCpuSeconds)))),
    ];
}
