using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;

namespace Shoal.EndToEnd.Tests.Transport;

/// <summary>
/// uTP over a real bottleneck with loss (INTEROP.md "Links with a bottleneck and loss"): two network namespaces joined
/// by a veth pair, a 50 Mbit/s tbf queue on each end and nftables dropping 1% of TCP and UDP packets at random. The
/// transfers are made by tests/Shoal.TransferProbe (Shoal's UtpSocketManager, or a plain TCP socket). Needs root,
/// tc, nft and iperf3: skipped with the reason otherwise (failing under CI=true). Figures go to the test output.
/// </summary>
[Trait("Category", "Netns")]
[Collection(BottleneckLinkCollection.Name)]
public sealed class BottleneckLinkTests(ITestOutputHelper output)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Probe => Path.Combine(AppContext.BaseDirectory, "transfer-probe", "Shoal.TransferProbe.dll");

    [Fact]
    public async Task uTP_keeps_most_of_TCPs_throughput_over_a_lossy_bottleneck()
    {
        // uTP runs in user space with a small window on this short path (LEDBAT++), so a busy CPU costs it more than
        // the kernel's TCP: compare the medians of three alternating 5-second runs each.
        using var link = BottleneckLink.Create();
        var tcp = new List<double>();
        var utp = new List<double>();
        for (int i = 0; i < 3; i++)
        {
            tcp.Add((await TransferAsync(link, "tcp", TimeSpan.FromSeconds(5), 7000 + 2 * i)).Mbps);
            utp.Add((await TransferAsync(link, "utp", TimeSpan.FromSeconds(5), 7001 + 2 * i)).Mbps);
        }
        double tcpMedian = tcp.Order().ElementAt(1), utpMedian = utp.Order().ElementAt(1);
        output.WriteLine($"50 Mbit/s, 1% loss, median of 3: TCP ({link.TcpCongestionControl}) {tcpMedian:0.0} Mbit/s, uTP {utpMedian:0.0} Mbit/s " +
            $"({utpMedian / tcpMedian:P0} of TCP); runs: TCP {string.Join(", ", tcp.Select(r => r.ToString("0.0", CultureInfo.InvariantCulture)))}, " +
            $"uTP {string.Join(", ", utp.Select(r => r.ToString("0.0", CultureInfo.InvariantCulture)))}");
        Assert.True(utpMedian >= 0.8 * tcpMedian, $"uTP {utpMedian:0.0} Mbit/s against TCP {tcpMedian:0.0} Mbit/s");
    }

    // With 1% loss neither flow builds a queue near LEDBAT's 100 ms target (a few ms here), so what makes uTP yield is
    // LEDBAT++'s slower growth on a short path (1/16 packet per round trip against TCP's one or more) under the same
    // losses. See README "Encryption and uTP" for the figures.
    [Fact]
    public async Task uTP_yields_to_a_competing_TCP_flow()
    {
        using var link = BottleneckLink.Create();
        var samples = new List<(double At, long Bytes)>();
        var clock = Stopwatch.StartNew();
        var transfer = TransferAsync(link, "utp", TimeSpan.FromSeconds(14), 7002, bytes =>
        {
            lock (samples) samples.Add((clock.Elapsed.TotalSeconds, bytes));
        });
        await Task.Delay(TimeSpan.FromSeconds(3), Ct); // uTP alone first: it fills the link
        double start = clock.Elapsed.TotalSeconds + 2; // give LEDBAT two seconds to see the queue grow
        double tcp = await IperfAsync(link, seconds: 8);
        double end = clock.Elapsed.TotalSeconds;
        await transfer;
        long BytesAt(double t)
        {
            lock (samples) return samples.LastOrDefault(s => s.At <= t).Bytes;
        }
        double utp = (BytesAt(end) - BytesAt(start)) * 8 / (end - start) / 1e6;
        double share = utp / (utp + tcp);
        output.WriteLine($"50 Mbit/s, 1% loss, with an iperf3 TCP flow ({link.TcpCongestionControl}): TCP {tcp:0.0} Mbit/s, uTP {utp:0.0} Mbit/s (uTP's share {share:P0})");
        Assert.True(utp > 0, "uTP moved nothing while TCP ran");
        Assert.True(share < 1.0 / 3, $"uTP took {share:P0} of the link against TCP");
    }

    private sealed record Result(long Bytes, double Mbps);

    // Every program moving bytes runs at a raised CPU priority (the test is root): rates are measured in real time on a
    // machine that may be running other tests, and a user-space transport (the probe's uTP) suffers more from waiting
    // for a core than the kernel's TCP does. TCP's programs get the same priority.
    private static readonly string[] Favoured = ["nice", "-n", "-10"];

    /// <summary>Runs the probe's receiver in b and its sender in a for <paramref name="duration"/>; the receiver's figures.</summary>
    private async Task<Result> TransferAsync(BottleneckLink link, string transport, TimeSpan duration, int port, Action<long>? progress = null)
    {
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var done = new TaskCompletionSource<Result>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var receiver = ReferenceProcess.Start("probe-serve", "ip",
            ["netns", "exec", link.B, .. Favoured, "dotnet", Probe, "serve", "--transport", transport, "--bind", $"{BottleneckLink.AddressB}:{port}"], line =>
            {
                using var json = JsonDocument.Parse(line);
                var root = json.RootElement;
                switch (root.GetProperty("event").GetString())
                {
                    case "ready": ready.TrySetResult(); break;
                    case "progress": progress?.Invoke(root.GetProperty("bytes").GetInt64()); break;
                    case "done": done.TrySetResult(new Result(root.GetProperty("bytes").GetInt64(), root.GetProperty("mbps").GetDouble())); break;
                }
            });
        await Waits.UntilAsync(ready.Task, receiver, TimeSpan.FromSeconds(30), Ct, "the probe's receiver");
        await using var sender = ReferenceProcess.Start("probe-send", "ip",
            ["netns", "exec", link.A, .. Favoured, "dotnet", Probe, "send", "--transport", transport, "--to", $"{BottleneckLink.AddressB}:{port}",
                "--seconds", duration.TotalSeconds.ToString(CultureInfo.InvariantCulture)]);
        await Waits.UntilAsync(done.Task, receiver, duration + TimeSpan.FromSeconds(60), Ct, "the transfer");
        return await done.Task;
    }

    /// <summary>An iperf3 TCP flow from a to b for <paramref name="seconds"/>; the rate received, in Mbit/s.</summary>
    private static async Task<double> IperfAsync(BottleneckLink link, int seconds)
    {
        await using var server = ReferenceProcess.Start("iperf3-s", "ip", ["netns", "exec", link.B, .. Favoured, "iperf3", "-s", "-1", "-B", BottleneckLink.AddressB]);
        await Task.Delay(500, Ct);
        var client = await Task.Run(() => ProcessRunner.Run("ip",
            ["netns", "exec", link.A, .. Favoured, "iperf3", "-c", BottleneckLink.AddressB, "-t", seconds.ToString(CultureInfo.InvariantCulture), "-J"],
            TimeSpan.FromSeconds(seconds + 30)), Ct);
        client.EnsureSuccess("iperf3 -c");
        using var json = JsonDocument.Parse(client.StdOut);
        return json.RootElement.GetProperty("end").GetProperty("sum_received").GetProperty("bits_per_second").GetDouble() / 1e6;
    }
}

/// <summary>Rates measured in real time: these tests run on their own, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BottleneckLinkCollection
{
    public const string Name = "Bottleneck link";
}

/// <summary>Two namespaces joined by a veth pair with a 50 Mbit/s tbf bottleneck each way and 1% random loss (nftables).</summary>
internal sealed class BottleneckLink : IDisposable
{
    public const string AddressA = "10.98.0.1";
    public const string AddressB = "10.98.0.2";

    private BottleneckLink(string id)
    {
        A = $"shoal-{id}-a";
        B = $"shoal-{id}-b";
    }

    public string A { get; }

    public string B { get; }

    /// <summary>The TCP congestion control the competing flows use (the system's default: BBR or CUBIC on Linux).</summary>
    public string TcpCongestionControl =>
        ProcessRunner.Run("ip", ["netns", "exec", A, "sysctl", "-n", "net.ipv4.tcp_congestion_control"], TimeSpan.FromSeconds(10)).StdOut.Trim();

    /// <summary>Builds the link, or skips the test with the reason (fails under CI=true).</summary>
    public static BottleneckLink Create()
    {
        foreach (var program in (string[])["ip", "tc", "nft", "iperf3"])
            if (ReferencePrograms.Find(program) is null) ReferencePrograms.Unavailable($"'{program}' is not installed (scripts/install-reference-programs.sh)");
        if (!Environment.IsPrivilegedProcess) ReferencePrograms.Unavailable("network namespaces need root");
        var link = new BottleneckLink(Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.Next())));
        try
        {
            link.Build();
            return link;
        }
        catch
        {
            link.Dispose();
            throw;
        }
    }

    private void Build()
    {
        Run("ip", "netns", "add", A);
        Run("ip", "netns", "add", B);
        Run("ip", "-n", A, "link", "add", "va", "type", "veth", "peer", "name", "vb", "netns", B);
        foreach (var (ns, dev, address) in new[] { (A, "va", AddressA), (B, "vb", AddressB) })
        {
            Run("ip", "-n", ns, "link", "set", "lo", "up");
            Run("ip", "-n", ns, "addr", "add", $"{address}/24", "dev", dev);
            Run("ip", "-n", ns, "link", "set", dev, "up");
            // The bottleneck: its queue adds the delay LEDBAT reacts to. No netem here, so loss comes from nftables.
            Run("ip", "netns", "exec", ns, "tc", "qdisc", "add", "dev", dev, "root", "tbf", "rate", "50mbit", "burst", "32kbit", "latency", "200ms");
            Run("ip", "netns", "exec", ns, "nft", "add", "table", "inet", "shoal");
            Run("ip", "netns", "exec", ns, "nft", "add", "chain", "inet", "shoal", "in", "{ type filter hook input priority 0; }");
            Run("ip", "netns", "exec", ns, "nft", "add", "rule", "inet", "shoal", "in", "meta", "l4proto", "{ tcp, udp }", "numgen", "random", "mod", "100", "0", "drop");
        }
    }

    private static void Run(string program, params string[] args) =>
        ProcessRunner.Run(program, args, TimeSpan.FromSeconds(20)).EnsureSuccess($"{program} {string.Join(' ', args)}");

    public void Dispose()
    {
        foreach (var ns in (string[])[A, B])
        {
            try { ProcessRunner.Run("ip", ["netns", "del", ns], TimeSpan.FromSeconds(20)); }
            catch (TimeoutException) { }
        }
    }
}
