using Shoal.Storage;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Shoal.Daemon.Remote;
using Shoal.Metainfo;
using Shoal.Tests.Support;

namespace Shoal.Harness;

/// <summary>
/// Shoal's daemon under load, against a local `shoal tracker` and `shoal seed` on 127.0.0.1:
/// <list type="bullet">
/// <item><b>soak</b>: add a torrent, download it from the seeder, remove it with its data, again and again for a while
/// (after a few warm-up loops); the daemon's RSS, open descriptors and threads are sampled, and the last minute is
/// compared with the first (issue 12: memory within ±10%, no leaked descriptors or threads).</item>
/// <item><b>pair</b>: the same payload downloaded by `shoal get` and by the daemon, alternately; time from the start
/// (the process's, or the torrent-add call's) to every piece verified.</item>
/// </list>
/// </summary>
internal sealed class DaemonLoadScenarios(string cli, TextWriter log) : IAsyncDisposable
{
    private readonly List<Process> _helpers = [];
    private readonly string _root = Directory.CreateTempSubdirectory("shoal-daemon-load-").FullName;

    /// <summary>
    /// The churn soak: <paramref name="warmup"/> loops first (JIT, pools, caches reach their working size), then loops for
    /// <paramref name="duration"/> with the daemon sampled every 5 s. Prints the medians of the first and last windows and
    /// the verdict (RSS within ±10%, descriptors and threads not grown); returns whether it held.
    /// </summary>
    public async Task<bool> SoakAsync(TimeSpan duration, long size, int warmup, CancellationToken ct)
    {
        var (torrent, bytes) = await SwarmAsync(size, ct);
        string downloads = Path.Combine(_root, "downloads");
        await using var daemon = new ShoalBenchDaemon(Path.Combine(_root, "daemon"), downloads, cli);
        await daemon.StartAsync(ct);
        using var rpc = Client(daemon);
        for (int i = 0; i < warmup; i++) await ChurnOnceAsync(rpc, bytes, Path.Combine(downloads, torrent.Info.Name), ct);
        var idleBefore = await IdleSampleAsync(daemon.ProcessId, ct);
        var samples = new List<(double Seconds, long Rss, int Fds, int Threads)>();
        var clock = Stopwatch.StartNew();
        int loops = 0;
        double nextSample = 0;
        while (clock.Elapsed < duration)
        {
            if (clock.Elapsed.TotalSeconds >= nextSample)
            {
                nextSample = clock.Elapsed.TotalSeconds + 5;
                samples.Add(Sample(daemon.ProcessId, clock.Elapsed.TotalSeconds));
            }
            await ChurnOnceAsync(rpc, bytes, Path.Combine(downloads, torrent.Info.Name), ct);
            loops++;
        }
        samples.Add(Sample(daemon.ProcessId, clock.Elapsed.TotalSeconds));
        var idleAfter = await IdleSampleAsync(daemon.ProcessId, ct);
        double window = Math.Min(60, duration.TotalSeconds / 3);
        var first = samples.Where(s => s.Seconds <= window).ToList();
        var last = samples.Where(s => s.Seconds >= clock.Elapsed.TotalSeconds - window).ToList();
        log.WriteLine();
        log.WriteLine($"soak: {loops} add → download {ByteSize.Format(size)} → remove-with-data loops in {clock.Elapsed.TotalSeconds:0} s after {warmup} warm-up loops " +
            $"({samples.Count} samples, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]})");
        string w = window.ToString("0", CultureInfo.InvariantCulture);
        log.WriteLine($"{"",-8} {"first " + w + " s",16} {"last " + w + " s",16} {"change",8}  verdict");
        bool memory = Row("RSS MB", first.Select(s => s.Rss / 1e6), last.Select(s => s.Rss / 1e6), (a, b) => Math.Abs(b - a) <= 0.10 * a, "within ±10%");
        bool fds = Row("fds*", first.Select(s => (double)s.Fds), last.Select(s => (double)s.Fds), (a, b) => b <= a, "not grown");
        bool threads = Row("threads", first.Select(s => (double)s.Threads), last.Select(s => (double)s.Threads), (a, b) => b <= a, "not grown");
        log.WriteLine($"idle (2 s without torrents) before → after: RSS {idleBefore.Rss / 1e6:0.0} → {idleAfter.Rss / 1e6:0.0} MB, " +
            $"fds {idleBefore.Fds.Count} → {idleAfter.Fds.Count}, threads {idleBefore.Threads} → {idleAfter.Threads}");
        // What the extra descriptors are, if any (a leak shows as many of one kind; an assembly loaded late as two of one file).
        var extra = idleAfter.Fds.GroupBy(f => f).Select(g => (g.Key, Count: g.Count() - idleBefore.Fds.Count(f => f == g.Key))).Where(e => e.Count > 0).ToList();
        foreach (var (target, count) in extra.Take(10)) log.WriteLine($"  +{count} fd {target}");
        log.WriteLine("* descriptors other than assembly files (the runtime keeps each loaded assembly open: bounded, not a leak)");
        bool held = memory && fds && threads;
        log.WriteLine(held ? "soak: PASS" : "soak: FAIL");
        return held;
    }

    /// <summary>The daemon's RSS, descriptor targets (socket and pipe numbers dropped) and threads, after 2 s with nothing to do.</summary>
    private static async Task<(long Rss, List<string> Fds, int Threads)> IdleSampleAsync(int pid, CancellationToken ct)
    {
        await Task.Delay(TimeSpan.FromSeconds(2), ct);
        return (DaemonScenario.CurrentRss(pid), Descriptors(pid), Directory.GetDirectories($"/proc/{pid}/task").Length);
    }

    private static (double Seconds, long Rss, int Fds, int Threads) Sample(int pid, double seconds) =>
        (seconds, DaemonScenario.CurrentRss(pid), Descriptors(pid).Count(f => !f.EndsWith(".dll", StringComparison.Ordinal)),
            Directory.GetDirectories($"/proc/{pid}/task").Length);

    private static List<string> Descriptors(int pid)
    {
        var fds = new List<string>();
        foreach (var fd in Directory.GetFiles($"/proc/{pid}/fd"))
        {
            try
            {
                string target = new FileInfo(fd).LinkTarget ?? "?";
                fds.Add(target.StartsWith("socket:", StringComparison.Ordinal) ? "socket" : target.StartsWith("pipe:", StringComparison.Ordinal) ? "pipe" : target);
            }
            catch (IOException) { } // closed meanwhile
        }
        return fds;
    }

    /// <summary>One loop: add through the RPC, wait until every piece verified, remove with data, wait until it is gone from disk.</summary>
    private static async Task ChurnOnceAsync(TransmissionRpcClient rpc, byte[] metainfo, string dataPath, CancellationToken ct)
    {
        await rpc.CallAsync("torrent-add", new JsonObject { ["metainfo"] = Convert.ToBase64String(metainfo) }, ct);
        await WaitAsync(rpc, t => t.Count == 1 && t[0].GetProperty("percentDone").GetDouble() >= 1, TimeSpan.FromMinutes(2), "download", ct);
        await rpc.CallAsync("torrent-remove", new JsonObject { ["delete-local-data"] = true }, ct);
        await WaitAsync(rpc, t => t.Count == 0, TimeSpan.FromSeconds(30), "removal", ct);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (File.Exists(dataPath) || File.Exists(dataPath + ".part"))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"the daemon did not delete {dataPath}");
            await Task.Delay(20, ct);
        }
    }

    public async Task PairAsync(long size, int runs, CancellationToken ct)
    {
        var (torrent, bytes) = await SwarmAsync(size, ct);
        string torrentPath = Path.Combine(_root, "payload.torrent");
        string downloads = Path.Combine(_root, "daemon-downloads");
        await using var daemon = new ShoalBenchDaemon(Path.Combine(_root, "daemon"), downloads, cli);
        await daemon.StartAsync(ct);
        using var rpc = Client(daemon);
        var get = new List<double>();
        var viaDaemon = new List<double>();
        for (int round = 0; round < runs; round++)
        {
            foreach (bool daemonFirst in round % 2 == 0 ? new[] { false, true } : [true, false])
            {
                var clock = Stopwatch.StartNew();
                if (daemonFirst)
                {
                    await rpc.CallAsync("torrent-add", new JsonObject { ["metainfo"] = Convert.ToBase64String(bytes) }, ct);
                    await WaitAsync(rpc, t => t.Count == 1 && t[0].GetProperty("percentDone").GetDouble() >= 1, TimeSpan.FromMinutes(10), "download", ct);
                    viaDaemon.Add(clock.Elapsed.TotalSeconds);
                    await rpc.CallAsync("torrent-remove", new JsonObject { ["delete-local-data"] = true }, ct);
                    await WaitAsync(rpc, t => t.Count == 0, TimeSpan.FromSeconds(30), "removal", ct);
                }
                else
                {
                    string target = Path.Combine(_root, $"get-{round}");
                    var result = await Task.Run(() => ProcessRunner.Run("dotnet", [cli, "get", torrentPath, "-o", target, "--port", "0", "--bind", "127.0.0.1", "--no-lsd", "--quiet"],
                        TimeSpan.FromMinutes(10)), ct);
                    if (result.ExitCode != 0) throw new InvalidOperationException($"shoal get failed: {result.StdErr}");
                    get.Add(clock.Elapsed.TotalSeconds);
                    Directory.Delete(target, recursive: true);
                }
            }
        }
        log.WriteLine();
        log.WriteLine($"{ByteSize.Format(size)} from a local `shoal seed`, median of {runs} (load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}):");
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  shoal get (from process start): {Statistics.Median(get):0.00} s, {size / 1e6 / Statistics.Median(get):0} MB/s"));
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  shoal daemon (from torrent-add): {Statistics.Median(viaDaemon):0.00} s, {size / 1e6 / Statistics.Median(viaDaemon):0} MB/s"));
    }

    private bool Row(string name, IEnumerable<double> first, IEnumerable<double> last, Func<double, double, bool> holds, string rule)
    {
        double a = Statistics.Median([.. first]), b = Statistics.Median([.. last]);
        bool ok = holds(a, b);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-8} {a,16:0.0} {b,16:0.0} {(a == 0 ? 0 : (b - a) / a * 100),7:+0.0;-0.0}%  {(ok ? "ok" : "NOT")} {rule}"));
        return ok;
    }

    /// <summary>A tracker and a seeder of one payload; returns the torrent (announcing to that tracker) and its bytes.</summary>
    private async Task<(Torrent, byte[])> SwarmAsync(long size, CancellationToken ct)
    {
        int trackerPort = FreePort.Next();
        await StartAsync("dotnet", [cli, "tracker", "--host", "127.0.0.1", "--port", $"{trackerPort}"], "tracker: listening on", ct);
        string payload = Path.Combine(_root, "seed", "payload.bin");
        Directory.CreateDirectory(Path.GetDirectoryName(payload)!);
        await Task.Run(() => PayloadFile.Write(payload, size, (ulong)size), ct);
        var torrent = await new TorrentBuilder { PieceLength = 256 * 1024 }.AddTrackers($"http://127.0.0.1:{trackerPort}/announce").BuildAsync(payload, cancellationToken: ct);
        string torrentPath = Path.Combine(_root, "payload.torrent");
        torrent.Save(torrentPath);
        // Ready once it has checked its data (and so announced): a daemon added later finds it on its first announce.
        await StartAsync("dotnet", [cli, "seed", payload, "--torrent", torrentPath, "--port", $"{FreePort.Next()}", "--bind", "127.0.0.1", "--no-lsd", "--json"],
            "\"state\":\"seeding\"", ct);
        return (torrent, torrent.Encode());
    }

    private static TransmissionRpcClient Client(ShoalBenchDaemon daemon) => new(daemon.RpcUrl);

    private static async Task WaitAsync(TransmissionRpcClient rpc, Func<IReadOnlyList<System.Text.Json.JsonElement>, bool> done, TimeSpan timeout, string what,
        CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var args = await rpc.CallAsync("torrent-get",
                new JsonObject { ["fields"] = new JsonArray("percentDone", "status", "peersConnected", "errorString", "trackerStats") }, ct);
            if (done([.. args.GetProperty("torrents").EnumerateArray()])) return;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"the daemon's {what} took longer than {timeout}; its torrents: {args.GetProperty("torrents")}");
            await Task.Delay(20, ct);
        }
    }

    /// <summary>Starts a helper program and waits (bounded) for a line of its output containing <paramref name="ready"/>.</summary>
    private async Task StartAsync(string file, string[] args, string ready, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) psi.ArgumentList.Add(arg);
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        _helpers.Add(process);
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) => { if (e.Data?.Contains(ready, StringComparison.Ordinal) == true) seen.TrySetResult(); };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await seen.Task.WaitAsync(TimeSpan.FromMinutes(2), ct);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _helpers)
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            process.Dispose();
        }
        try { Directory.Delete(_root, recursive: true); }
        catch (IOException) { }
    }
}
