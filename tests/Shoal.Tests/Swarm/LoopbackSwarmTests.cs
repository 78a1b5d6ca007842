using System.Net;
using Shoal.Storage;
using Shoal.Swarm;

namespace Shoal.Tests.Swarm;

public class LoopbackSwarmTests
{
    private static EngineSettings Loopback => new() { ListenAddress = IPAddress.Loopback };

    [Fact]
    public async Task Leecher_downloads_everything_from_one_seeder()
    {
        var ct = TestContext.Current.CancellationToken;
        var content = SwarmTestData.RandomBytes(3 * 1024 * 1024 + 12345, seed: 7);
        var info = SwarmTestData.SingleFile(content);

        await using var seederEngine = await ClientEngine.StartAsync(Loopback);
        var seedStorage = MemoryStorage.CreateSeeded(info, content);
        var seeder = seederEngine.AddTorrent(info, seedStorage);

        await using var leecherEngine = await ClientEngine.StartAsync(Loopback);
        var leechStorage = new MemoryStorage(info);
        var leecher = leecherEngine.AddTorrent(info, leechStorage);
        leecher.AddPeers([seederEngine.ListenEndPoint], PeerSource.Manual);

        await leecher.Completion.WaitAsync(TimeSpan.FromSeconds(30), ct);
        Assert.Equal(content, SwarmTestData.ReadAll(leechStorage));
        Assert.True(leechStorage.Verified.IsComplete);
        Assert.Equal(TorrentState.Seeding, leecher.GetStatus().State);
    }

    [Fact]
    public async Task Three_leechers_share_with_each_other()
    {
        var ct = TestContext.Current.CancellationToken;
        var content = SwarmTestData.RandomBytes(2 * 1024 * 1024, seed: 3);
        var info = SwarmTestData.SingleFile(content, pieceLength: 16 * 1024);

        await using var seederEngine = await ClientEngine.StartAsync(Loopback);
        var seedStorage = MemoryStorage.CreateSeeded(info, content);
        seederEngine.AddTorrent(info, seedStorage);

        var engines = new List<ClientEngine>();
        var sessions = new List<(TorrentSession Session, MemoryStorage Storage)>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                var engine = await ClientEngine.StartAsync(Loopback);
                engines.Add(engine);
                var storage = new MemoryStorage(info);
                sessions.Add((engine.AddTorrent(info, storage), storage));
            }
            var everyone = engines.Select(e => e.ListenEndPoint).Append(seederEngine.ListenEndPoint).ToList();
            foreach (var (session, _) in sessions) session.AddPeers(everyone, PeerSource.Manual);
            await Task.WhenAll(sessions.Select(s => s.Session.Completion)).WaitAsync(TimeSpan.FromSeconds(30), ct);
            foreach (var (_, storage) in sessions) Assert.Equal(content, SwarmTestData.ReadAll(storage));
        }
        finally
        {
            foreach (var engine in engines) await engine.DisposeAsync();
        }
    }
}
