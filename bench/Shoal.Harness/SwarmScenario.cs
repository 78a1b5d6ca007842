using System.Diagnostics;
using Shoal.Storage;
using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;

namespace Shoal.Harness;

/// <summary>
/// One seeder and N leechers on 127.0.0.1, every peer's upload capped at the same rate u. The time until the last
/// leecher holds every piece is compared with the lower bound max(F/u, N·F/(u + N·u)): the seeder must send every
/// piece at least once, and all N copies must come out of the peers' combined upload.
/// Leechers keep running (and uploading to the others) after they finish.
/// </summary>
public sealed class SwarmScenario(SwarmOptions options, TextWriter log)
{
    public async Task<SwarmReport> RunAsync(CancellationToken cancellationToken)
    {
        using var work = new TempDirectory("harness");
        log.WriteLine($"generating {ByteSize.Format(options.Size)} payload in {work.Path} ...");
        var payload = await Payload.CreateAsync(work.Path, options.Size, options.PieceLength, cancellationToken);
        var runs = new List<SwarmRun>();
        for (int round = 0; round < options.Runs; round++)
        {
            var run = await RunOnceAsync(payload, work.Combine($"run-{round}"), cancellationToken) with { Round = round + 1 };
            runs.Add(run);
            log.WriteLine($"  round {round + 1}: last leecher done after {run.LastFinishSeconds:0.00} s " +
                $"({run.LastFinishSeconds / LowerBoundSeconds:0.00}× the lower bound); first after {run.FinishSeconds.Min():0.00} s");
        }
        return new SwarmReport(options.Seeder.Kind, options.Leecher.Kind, options.Leechers, options.UploadCap, options.Size,
            options.PieceLength, LowerBoundSeconds, runs, MachineInfo.Describe());
    }

    private double LowerBoundSeconds =>
        Math.Max((double)options.Size / options.UploadCap,
            (double)options.Leechers * options.Size / (options.UploadCap + (double)options.Leechers * options.UploadCap));

    private async Task<SwarmRun> RunOnceAsync(Payload payload, string runDirectory, CancellationToken cancellationToken)
    {
        var timeout = options.Timeout ?? TimeSpan.FromSeconds(Math.Max(120, 4 * LowerBoundSeconds));
        var leechers = new List<IReferencePeer>();
        try
        {
            var seederSetup = new TransferSetup("", "")
            {
                UploadRateLimit = options.UploadCap,
                ReannounceEvery = TransferParticipants.ReannounceNeededFor(options.Leecher),
            };
            await using var swarm = await SeededSwarm.StartAsync(payload, runDirectory, options.Seeder, seederSetup, timeout, cancellationToken);
            MemoryWarmer.Touch(options.Leechers * payload.Length + (256L << 20));

            var clock = Stopwatch.StartNew();
            var starts = Enumerable.Range(0, options.Leechers).Select(i => options.Leecher.StartAsync(TransferRole.Leech,
                new TransferSetup(swarm.TorrentPath, Path.Combine(runDirectory, $"leech-{i}"))
                {
                    UploadRateLimit = options.UploadCap,
                    KeepRunningWhenDone = true,
                }, cancellationToken)).ToList();
            try
            {
                await Task.WhenAll(starts);
            }
            finally
            {
                leechers.AddRange(starts.Where(s => s.IsCompletedSuccessfully).Select(s => s.Result));
            }
            var finishes = await Task.WhenAll(leechers.Select(async leecher =>
            {
                await leecher.WaitForCompletionAsync(timeout, cancellationToken);
                return clock.Elapsed.TotalSeconds;
            }));

            for (int i = 0; i < leechers.Count; i++)
                if (ContentComparison.Differences(payload.FilePath, Path.Combine(runDirectory, $"leech-{i}", payload.Name)) is { } difference)
                    throw new InvalidOperationException($"leecher {i}'s copy is wrong: {difference}\n{leechers[i].Describe()}");
            return new SwarmRun(0, finishes.Max(), finishes);
        }
        finally
        {
            foreach (var leecher in leechers) await leecher.DisposeAsync();
            if (Directory.Exists(runDirectory)) Directory.Delete(runDirectory, recursive: true);
        }
    }
}

public sealed record SwarmOptions(ITransferParticipant Seeder, ITransferParticipant Leecher, int Leechers, long UploadCap, long Size,
    int PieceLength, int Runs, TimeSpan? Timeout);

public sealed record SwarmRun(int Round, double LastFinishSeconds, IReadOnlyList<double> FinishSeconds);

public sealed record SwarmReport(string SeederKind, string LeecherKind, int Leechers, long UploadCapBytesPerSecond, long Size,
    int PieceLength, double LowerBoundSeconds, IReadOnlyList<SwarmRun> Runs, MachineInfo Machine)
{
    public string Scenario => "swarm";

    public double MedianLastFinishSeconds => Statistics.Median(Runs.Select(r => r.LastFinishSeconds));

    public double MedianRatioToLowerBound => MedianLastFinishSeconds / LowerBoundSeconds;
}
