using Shoal.Tests.Support.Dht;
using Shoal.Transport.Utp;

namespace Shoal.Tests.Transport.Utp;

public sealed class UtpIdleTests
{
    [Fact]
    public async Task A_manager_without_connections_sets_no_timer_going()
    {
        var network = new SimulatedNetwork(1);
        var time = new SimulatedTime();
        await using var manager = new UtpSocketManager(network.AddHost("10.0.0.1"), new UtpOptions { TimeProvider = time });
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(0, time.EventsRun); // was 200 wake-ups (one per 50 ms tick) for nothing
    }

    [Fact]
    public async Task The_tick_runs_while_connections_live_and_stops_when_the_last_is_gone()
    {
        await using var lab = new UtpLab(seed: 3);
        var (client, server) = await lab.ConnectAsync();
        Assert.Equal(1, lab.A.ConnectionCount);
        await client.DisposeAsync();
        await server.DisposeAsync();
        // Closing handshakes and lingering end on the tick, which therefore ran although it started with the connection.
        Assert.True(lab.Network.RunUntil(() => lab.A.ConnectionCount == 0 && lab.B.ConnectionCount == 0, TimeSpan.FromMinutes(2), TimeSpan.FromMilliseconds(10)));
    }
}
