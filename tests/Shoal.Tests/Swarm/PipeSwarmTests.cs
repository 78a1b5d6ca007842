using System.Net;
using Microsoft.Extensions.Time.Testing;
using Shoal.Storage;
using Shoal.Swarm;

namespace Shoal.Tests.Swarm;

/// <summary>
/// Swarms whose peers talk over in-memory pipes (no sockets) on fake time: the clock moves only when the test moves it
/// (in 50 ms steps while it waits), so rate limits, back-offs and choke rounds follow simulated time, not the machine's load.
/// </summary>
public sealed class PipeSwarmTests
{
    private static readonly EngineSettings Settings = new() { ListenAddress = IPAddress.Loopback, AllowLoopbackPeers = true, RandomSeed = 11 };

    private readonly FakeTimeProvider _time = new();

    private (ClientEngine Engine, IPEndPoint Address) Start(InMemoryNetwork network, EngineSettings? settings = null, Microsoft.Extensions.Logging.ILoggerFactory? loggers = null)
    {
        var engine = ClientEngine.Start(settings ?? Settings, network.NewHost(), _time, loggers);
        return (engine, engine.ListenEndPoint);
    }

    /// <summary>Waits for <paramref name="task"/>, moving fake time on by 50 ms for every millisecond of real time, up to <paramref name="simulated"/>.</summary>
    private async Task<bool> RunUntilAsync(Task task, TimeSpan simulated, CancellationToken ct)
    {
        var end = _time.GetUtcNow() + simulated;
        while (!task.IsCompleted && _time.GetUtcNow() < end)
        {
            _time.Advance(TimeSpan.FromMilliseconds(50));
            await Task.Delay(1, ct);
        }
        return task.IsCompleted;
    }

    [Fact]
    public async Task Seeder_to_four_leechers_over_pipes_with_a_short_last_piece()
    {
        var ct = TestContext.Current.CancellationToken;
        var network = new InMemoryNetwork();
        var content = SwarmTestData.RandomBytes(1024 * 1024 + 777, seed: 21);
        var info = SwarmTestData.SingleFile(content, pieceLength: 32 * 1024);
        // A capped seeder: the leechers can only finish in time by trading among themselves.
        var (seedEngine, seedAddress) = Start(network, Settings with { UploadRateLimit = 2_000_000 });
        await using var _s = seedEngine;
        seedEngine.AddTorrent(info, MemoryStorage.CreateSeeded(info, content));

        var leechers = new List<(ClientEngine Engine, TorrentSession Session, MemoryStorage Storage, IPEndPoint Address)>();
        try
        {
            for (int i = 0; i < 4; i++)
            {
                var (engine, address) = Start(network);
                var storage = new MemoryStorage(info);
                leechers.Add((engine, engine.AddTorrent(info, storage), storage, address));
            }
            var everyone = leechers.Select(l => l.Address).Append(seedAddress).ToList();
            foreach (var leecher in leechers) leecher.Session.AddPeers(everyone, PeerSource.Manual);
            var all = Task.WhenAll(leechers.Select(l => l.Session.Completion));
            Assert.True(await RunUntilAsync(all, TimeSpan.FromMinutes(5), ct), "not done in 5 simulated minutes");
            await all;
            foreach (var leecher in leechers) Assert.Equal(content, SwarmTestData.ReadAll(leecher.Storage));
            // Leechers traded with each other, not only with the seeder.
            Assert.True(leechers.Sum(l => l.Session.Uploaded) > content.Length, $"leechers uploaded {leechers.Sum(l => l.Session.Uploaded)} bytes");
        }
        finally
        {
            foreach (var leecher in leechers) await leecher.Engine.DisposeAsync();
        }
    }

    [Fact]
    public async Task Leecher_recovers_when_every_link_is_cut_mid_transfer()
    {
        var ct = TestContext.Current.CancellationToken;
        var network = new InMemoryNetwork();
        var content = SwarmTestData.RandomBytes(4 * 1024 * 1024, seed: 22);
        var info = SwarmTestData.SingleFile(content, pieceLength: 64 * 1024);
        var (seedEngine, seedAddress) = Start(network);
        await using var _s = seedEngine;
        seedEngine.AddTorrent(info, MemoryStorage.CreateSeeded(info, content));
        var logs = new TestLoggers();
        var (leechEngine, _) = Start(network, loggers: logs);
        await using var _l = leechEngine;
        var storage = new MemoryStorage(info);
        var leecher = leechEngine.AddTorrent(info, storage);
        leecher.AddPeers([seedAddress], PeerSource.Manual);

        while (leecher.GetStatus().PiecesVerified < 8) await Task.Delay(5, ct);
        network.CutAll();
        // The address is retried after a short back-off (simulated seconds) and the download completes from what was kept.
        Assert.True(await RunUntilAsync(leecher.Completion, TimeSpan.FromMinutes(2), ct), $"not recovered: {leecher.GetStatus()}\n{logs}");
        Assert.Equal(content, SwarmTestData.ReadAll(storage));
    }
}
