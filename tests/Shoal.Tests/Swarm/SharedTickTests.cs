using System.Net;
using Shoal.Storage;
using Shoal.Swarm;
using Shoal.Tests.Support.Dht;

namespace Shoal.Tests.Swarm;

/// <summary>
/// An engine with many torrents wakes up once a second, not once per torrent, and a torrent with no peers does no work
/// in that tick (issue 12: an idle daemon with thousands of torrents must cost almost no CPU).
/// </summary>
public class SharedTickTests
{
    private static EngineSettings Settings => new() { ListenAddress = IPAddress.Loopback, RandomSeed = 7 };

    private static TorrentSession AddSeed(ClientEngine engine, int seed)
    {
        var content = SwarmTestData.RandomBytes(20_000, seed);
        var info = SwarmTestData.SingleFile(content, 16 * 1024, $"t{seed}.bin");
        return engine.AddTorrent(info, MemoryStorage.CreateSeeded(info, content));
    }

    [Fact]
    public async Task Timer_wake_ups_per_second_do_not_grow_with_the_number_of_torrents()
    {
        var time = new SimulatedTime();
        await using var engine = ClientEngine.Start(Settings, new InMemoryNetwork().NewHost(), time);
        AddSeed(engine, 0);
        time.Advance(TimeSpan.FromSeconds(10));
        long before = time.EventsRun;
        time.Advance(TimeSpan.FromSeconds(10));
        long withOne = time.EventsRun - before;

        for (int i = 1; i <= 50; i++) AddSeed(engine, i);
        time.Advance(TimeSpan.FromSeconds(10));
        before = time.EventsRun;
        time.Advance(TimeSpan.FromSeconds(10));
        long withFiftyOne = time.EventsRun - before;

        Assert.InRange(withOne, 1, 10);
        Assert.Equal(withOne, withFiftyOne);
    }

    [Fact]
    public async Task A_torrent_with_no_peers_does_no_tick_work_until_it_has_an_address_to_dial()
    {
        var time = new SimulatedTime();
        var network = new InMemoryNetwork();
        await using var engine = ClientEngine.Start(Settings, network.NewHost(), time);
        var idle = AddSeed(engine, 1);
        time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(0, Interlocked.Read(ref idle.BusyTicks)); // no choke rounds, no PEX, no dialling over nobody

        idle.AddPeers([new IPEndPoint(IPAddress.Parse("127.0.0.9"), 6881)], PeerSource.Manual);
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.True(Interlocked.Read(ref idle.BusyTicks) > 0);
    }
}
