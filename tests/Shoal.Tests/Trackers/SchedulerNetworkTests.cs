using System.Net;
using System.Net.Sockets;
using Shoal.Trackers;

namespace Shoal.Tests.Trackers;

/// <summary>The scheduler with the real clients on loopback: trackers that are down, answer garbage, or come back.</summary>
public class SchedulerNetworkTests
{
    private static readonly TrackerClientOptions Options = new()
    {
        RequestTimeout = TimeSpan.FromSeconds(2),
        UdpTimeout = TimeSpan.FromMilliseconds(250),
        UdpMaxTimeout = TimeSpan.FromSeconds(1),
        UdpRetries = 1,
        MinBackoff = TimeSpan.FromMilliseconds(200),
        MaxBackoff = TimeSpan.FromMilliseconds(400),
    };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static byte[] PeersAnswer(string compactHex) =>
        RawHttpServer.Answer([.. TrackerTestData.Bytes($"d8:intervali900e5:peers{compactHex.Length / 2}:"), .. Convert.FromHexString(compactHex), (byte)'e']);

    private static int UnusedTcpPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static AnnounceScheduler Scheduler(string[][] tiers, List<IPEndPoint> found, int seed = 1)
    {
        var scheduler = new AnnounceScheduler(tiers, () => TrackerTestData.Request(AnnounceEvent.None), Options, TimeProvider.System, random: new Random(seed));
        scheduler.PeersDiscovered += peers => { lock (found) found.AddRange(peers); };
        return scheduler;
    }

    private static async Task WaitFor(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(10, Ct);
        }
    }

    [Fact]
    public async Task A_tracker_that_is_down_at_start_is_reported_then_used_once_it_comes_up()
    {
        int port = UnusedTcpPort();
        var url = $"http://127.0.0.1:{port}/announce";
        var found = new List<IPEndPoint>();
        await using var scheduler = Scheduler([[url]], found);
        scheduler.Start();

        await WaitFor(() => scheduler.Status[0].State == TrackerState.Failing, "the first failure");
        Assert.Equal($"tracker {url} is unreachable: connection refused", scheduler.Status[0].LastError);

        await using var server = new RawHttpServer(_ => PeersAnswer("0A0000011AE1"), port);
        await WaitFor(() => scheduler.Status[0].State == TrackerState.Working, "the tracker to be used");
        lock (found) Assert.Contains(IPEndPoint.Parse("10.0.0.1:6881"), found);
        Assert.StartsWith("/announce?", server.Targets[0]);
        Assert.Contains("event=started", server.Targets[0]);
    }

    [Fact]
    public async Task A_tracker_answering_garbage_is_passed_over_for_the_next_in_its_tier()
    {
        await using var garbage = new RawHttpServer(_ => RawHttpServer.Answer("this is not bencode"));
        await using var good = new RawHttpServer(_ => PeersAnswer("0A0000021AE1"));
        var found = new List<IPEndPoint>();
        string[][] tiers = [[garbage.Announce.ToString(), good.Announce.ToString()]];
        // Pick a shuffle that tries the garbage tracker first.
        int seed = Enumerable.Range(0, 64).First(candidate =>
        {
            var probe = new AnnounceScheduler(tiers, () => TrackerTestData.Request(), Options, TimeProvider.System, random: new Random(candidate));
            return probe.Status[0].Url == garbage.Announce.ToString();
        });
        await using var scheduler = Scheduler(tiers, found, seed);
        scheduler.Start();

        await WaitFor(() => scheduler.Status.Any(s => s.State == TrackerState.Working), "the working tracker");
        var status = scheduler.Status;
        Assert.Equal(good.Announce.ToString(), status[0].Url); // promoted to the front
        Assert.Equal(TrackerState.Failing, status[1].State);
        Assert.Equal($"tracker {garbage.Announce} answered with something that is not a bencoded dictionary (starts with \"this is not bencode\")", status[1].LastError);
        lock (found) Assert.Contains(IPEndPoint.Parse("10.0.0.2:6881"), found);
    }

    [Fact]
    public async Task A_restarted_udp_tracker_is_announced_to_again()
    {
        var first = new FakeUdpTracker { CompactPeers = Convert.FromHexString("0A0000031AE1") };
        var port = first.EndPoint.Port;
        var url = first.Announce.ToString();
        var found = new List<IPEndPoint>();
        await using var scheduler = Scheduler([[url]], found);
        scheduler.Start();
        await WaitFor(() => scheduler.Status[0].State == TrackerState.Working, "the first announce");
        first.Dispose();

        scheduler.AnnounceNow(AnnounceEvent.Completed); // goes out at once, to a tracker that is gone
        await WaitFor(() => scheduler.Status[0].State == TrackerState.Failing, "the failure while it is down");
        Assert.Contains($"tracker {url} ", scheduler.Status[0].LastError);

        using var second = new FakeUdpTracker(port: port) { CompactPeers = Convert.FromHexString("0A0000041AE1") };
        await WaitFor(() => scheduler.Status[0].State == TrackerState.Working, "the announce to the restarted tracker");
        lock (found) Assert.Contains(IPEndPoint.Parse("10.0.0.4:6881"), found);
        Assert.Equal(1u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(second.LastAnnounce.AsSpan(80))); // 'completed'
    }
}
