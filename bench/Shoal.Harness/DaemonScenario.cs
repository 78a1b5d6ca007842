using System.Diagnostics;
using System.Globalization;
using Shoal.Metainfo;

namespace Shoal.Harness;

/// <summary>What one daemon did with N small torrents: adding them, idling while seeding them, and coming back after a restart.</summary>
public sealed record DaemonResult(string Program, int Torrents, double AddSeconds, double AllSeedingSeconds, double IdleCpuPercent,
    long IdleRssBytes, long PeakRssBytes, double RestartToSeedingSeconds, long RestartRssBytes);

/// <summary>
/// N small single-piece torrents (their data already in the download folder, so every one seeds), no trackers, nothing
/// beyond loopback. For each daemon in turn: time to add all N through its API (Transmission RPC, or qBittorrent's Web
/// API) one request each; time until all seed; CPU and memory over an idle period; then SIGTERM, start again, and the
/// time from the new process's start until all N seed again.
/// </summary>
internal sealed class DaemonScenario(int torrents, TimeSpan idle, IReadOnlyList<string> programs, string shoalCli, TextWriter log)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(10);

    public async Task<IReadOnlyList<DaemonResult>> RunAsync(CancellationToken ct)
    {
        string root = Directory.CreateTempSubdirectory("shoal-daemon-bench-").FullName;
        try
        {
            string downloads = Path.Combine(root, "downloads");
            log.WriteLine($"making {torrents} torrents in {downloads} ...");
            var metainfo = await MakeTorrentsAsync(downloads, ct);
            var results = new List<DaemonResult>();
            foreach (var program in programs)
            {
                string work = Path.Combine(root, program);
                await using BenchDaemon daemon = program switch
                {
                    "shoal" => new ShoalBenchDaemon(work, downloads, shoalCli),
                    "transmission" => new TransmissionBenchDaemon(work, downloads),
                    "qbittorrent" => new QbittorrentBenchDaemon(work, downloads),
                    _ => throw new HarnessUsageException($"unknown daemon '{program}' (shoal, transmission, qbittorrent)"),
                };
                results.Add(await MeasureAsync(daemon, metainfo, ct));
            }
            return results;
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); }
            catch (IOException) { }
        }
    }

    private async Task<DaemonResult> MeasureAsync(BenchDaemon daemon, IReadOnlyList<byte[]> metainfo, CancellationToken ct)
    {
        log.WriteLine($"{daemon.Name}: starting");
        await daemon.StartAsync(ct);
        var clock = Stopwatch.StartNew();
        foreach (var torrent in metainfo) await daemon.AddAsync(torrent, ct);
        double add = clock.Elapsed.TotalSeconds;
        log.WriteLine($"{daemon.Name}: {metainfo.Count} added in {add:0.00} s");
        await WaitAllSeedingAsync(daemon, metainfo.Count, ct);
        double seeding = clock.Elapsed.TotalSeconds;
        log.WriteLine($"{daemon.Name}: all seeding after {seeding:0.00} s; idle for {idle.TotalSeconds:0} s");
        await Task.Delay(TimeSpan.FromSeconds(5), ct); // let start-up work (resume saves, first announces) settle
        var before = ProcessSampler.Read(daemon.ProcessId) ?? throw new InvalidOperationException($"{daemon.Name} exited");
        await Task.Delay(idle, ct);
        var after = ProcessSampler.Read(daemon.ProcessId) ?? throw new InvalidOperationException($"{daemon.Name} exited");
        long rss = CurrentRss(daemon.ProcessId);
        double cpu = (after.CpuSeconds - before.CpuSeconds) / idle.TotalSeconds * 100;
        log.WriteLine($"{daemon.Name}: idle CPU {cpu:0.00} % of a core, RSS {rss / 1e6:0} MB (peak {after.PeakRssBytes / 1e6:0} MB); restarting");
        await daemon.StopAsync();
        clock.Restart();
        await daemon.StartAsync(ct);
        await WaitAllSeedingAsync(daemon, metainfo.Count, ct);
        double restart = clock.Elapsed.TotalSeconds;
        long restartRss = CurrentRss(daemon.ProcessId);
        log.WriteLine($"{daemon.Name}: all seeding again {restart:0.00} s after the restart");
        return new DaemonResult(daemon.Name, metainfo.Count, add, seeding, cpu, rss, after.PeakRssBytes, restart, restartRss);
    }

    private static async Task WaitAllSeedingAsync(BenchDaemon daemon, int count, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (await daemon.SeedingCountAsync(ct) < count)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{daemon.Name}: not all {count} torrents seeding after {Patience}");
            await Task.Delay(100, ct);
        }
    }

    /// <summary>One 16 KiB file per torrent (one piece each), made once and shared by every daemon as their data.</summary>
    private async Task<IReadOnlyList<byte[]>> MakeTorrentsAsync(string downloads, CancellationToken ct)
    {
        Directory.CreateDirectory(downloads);
        var all = new List<byte[]>(torrents);
        var random = new Random(torrents);
        var data = new byte[16 * 1024];
        for (int i = 0; i < torrents; i++)
        {
            random.NextBytes(data);
            string path = Path.Combine(downloads, $"small-{i:D5}.bin");
            await File.WriteAllBytesAsync(path, data, ct);
            var torrent = await new TorrentBuilder { PieceLength = 16 * 1024, Workers = 1 }.BuildAsync(path, cancellationToken: ct);
            all.Add(torrent.Encode());
        }
        return all;
    }

    internal static long CurrentRss(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line["VmRSS:".Length..].Replace("kB", "", StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture) * 1024;
        }
        return 0;
    }

    public static void Print(IReadOnlyList<DaemonResult> results, TimeSpan idle, TextWriter output)
    {
        output.WriteLine();
        output.WriteLine($"{results.FirstOrDefault()?.Torrents} torrents of 16 KiB seeding, no trackers, loopback only; idle {idle.TotalSeconds:0} s " +
            $"({Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]})");
        output.WriteLine($"{"daemon",-13} {"add all (s)",12} {"all seeding (s)",16} {"idle CPU %",11} {"idle RSS MB",12} {"peak RSS MB",12} {"restart→seeding (s)",20} {"RSS after restart MB",21}");
        foreach (var r in results)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Program,-13} {r.AddSeconds,12:0.00} {r.AllSeedingSeconds,16:0.00} {r.IdleCpuPercent,11:0.00} {r.IdleRssBytes / 1e6,12:0} {r.PeakRssBytes / 1e6,12:0} {r.RestartToSeedingSeconds,20:0.00} {r.RestartRssBytes / 1e6,21:0}"));
        }
    }
}
