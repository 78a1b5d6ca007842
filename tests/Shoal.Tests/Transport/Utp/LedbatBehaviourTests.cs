using Shoal.Transport.Utp;

namespace Shoal.Tests.Transport.Utp;

/// <summary>LEDBAT on whole connections over the simulated network: it fills a link, keeps the queue near its target,
/// and backs off when the delay rises.</summary>
public sealed class LedbatBehaviourTests
{
    [Fact]
    public async Task Cwnd_falls_when_the_delay_rises_above_the_target_and_grows_back_when_it_drops()
    {
        var link = new LinkConditions { Latency = TimeSpan.FromMilliseconds(20) };
        await using var lab = new UtpLab(seed: 31, link);
        var (client, server) = await lab.ConnectAsync();
        var chunk = new byte[64 * 1024];
        var sink = new byte[64 * 1024];
        void Pump()
        {
            while (client.TryWrite(chunk) > 0) { }
            while (server.TryRead(sink) > 0) { }
        }
        // A bulk transfer on an unlimited 20 ms link: the window grows (in slow start) up to the receiver's window.
        lab.Network.Run(TimeSpan.FromSeconds(10), Pump);
        int before = client.CongestionWindow;
        Assert.True(before > 200_000, UtpLab.Describe(client));

        // The data direction's delay jumps by 300 ms (what a filling queue looks like): 200 ms over the target. LEDBAT
        // leaves slow start and gives up half its window per round trip (the most LEDBAT++'s decrease takes), down to
        // its two-packet floor within a few seconds.
        lab.Network.SetLink(lab.PortA.LocalEndPoint, lab.PortB.LocalEndPoint, link with { Latency = TimeSpan.FromMilliseconds(320) });
        var windows = new List<int>();
        lab.Network.Run(TimeSpan.FromSeconds(8), () =>
        {
            Pump();
            windows.Add(client.CongestionWindow);
        });
        int during = client.CongestionWindow;
        Assert.False(client.Connection.InSlowStart);
        Assert.Equal(LedbatController.MinWindowPackets * 1400, during);
        Assert.True(windows.Zip(windows.Skip(1)).All(w => w.Second <= w.First), "the window grew while the delay was over the target");

        // Back under the target it grows again, by a fifth of a packet per 40 ms round trip (LEDBAT++: 2 x target /
        // base RTT = 5): about 56 kB in 8 s.
        lab.Network.SetLink(lab.PortA.LocalEndPoint, lab.PortB.LocalEndPoint, link);
        lab.Network.Run(TimeSpan.FromSeconds(8), Pump);
        Assert.InRange(client.CongestionWindow - during, 35_000, 60_000);
    }

    [Fact]
    public async Task On_a_bottleneck_it_fills_the_link_while_keeping_the_queue_near_the_100_ms_target()
    {
        // 1 MB/s with a 2-second buffer (2 MB): a loss-driven sender would fill it and add ~2 s of delay.
        var bottleneck = new LinkConditions { Latency = TimeSpan.FromMilliseconds(10), BytesPerSecond = 1_000_000, QueueBytes = 2_000_000 };
        await using var lab = new UtpLab(seed: 32, new LinkConditions { Latency = TimeSpan.FromMilliseconds(10) },
            new UtpOptions { ReceiveBufferBytes = 4 << 20 });
        lab.Network.SetLink(lab.PortA.LocalEndPoint, lab.PortB.LocalEndPoint, bottleneck);
        var (client, server) = await lab.ConnectAsync();
        var chunk = new byte[64 * 1024];
        var sink = new byte[64 * 1024];
        long received = 0;
        void Pump()
        {
            while (client.TryWrite(chunk) > 0) { }
            int n;
            while ((n = server.TryRead(sink)) > 0) received += n;
        }
        lab.Network.Run(TimeSpan.FromSeconds(15), Pump); // converge (slow start overshoots once)
        lab.Network.QueueDelay = default;
        long start = received;
        lab.Network.Run(TimeSpan.FromSeconds(20), Pump);
        double rate = (received - start) / 20.0;
        double queueMs = lab.Network.QueueDelay.TotalMs / lab.Network.QueueDelay.Count;
        Assert.True(rate > 0.85 * 1_000_000, $"{rate:0} B/s of 1,000,000: {UtpLab.Describe(client)}");
        Assert.InRange(queueMs, 20, 160);
        Assert.Equal(0, lab.Network.Dropped);
    }
}
