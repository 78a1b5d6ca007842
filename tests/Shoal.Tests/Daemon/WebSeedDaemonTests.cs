using Shoal.Metainfo;
using Shoal.Tests.Swarm.WebSeeds;

namespace Shoal.Tests.Daemon;

/// <summary>A torrent with a web seed added to the daemon downloads from it, and torrent-get shows it (peers, webseedsSendingToUs).</summary>
public sealed class WebSeedDaemonTests
{
    [Fact]
    public async Task A_web_seed_shows_in_peers_and_webseedsSendingToUs_and_the_torrent_completes_from_it()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var path = daemon.Dir.WriteRandomFile("source/web.bin", 200_000, seed: 90);
        var content = File.ReadAllBytes(path);
        using var release = new ManualResetEventSlim(false);
        await using var server = new ScriptedHttpServer(r =>
        {
            release.Wait(TimeSpan.FromSeconds(15)); // held, so the test sees the request under way
            return ScriptedHttpServer.Ranged(r, content);
        });
        var builder = new TorrentBuilder { PieceLength = 16 * 1024 };
        builder.WebSeeds.Add(server.Url("/web.bin").ToString());
        var torrent = await builder.BuildAsync(path, cancellationToken: TestContext.Current.CancellationToken);
        int id = await daemon.AddAsync(torrent.Encode());

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while ((await daemon.GetAsync(id, "webseedsSendingToUs")).GetProperty("webseedsSendingToUs").GetInt32() == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the web seed was never asked");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        var peers = (await daemon.GetAsync(id, "peers")).GetProperty("peers").EnumerateArray().ToList();
        var web = Assert.Single(peers);
        Assert.Equal($"web seed {server.Url("/web.bin")}", web.GetProperty("clientName").GetString());
        Assert.Equal("127.0.0.1", web.GetProperty("address").GetString());
        Assert.False(web.GetProperty("clientIsChoked").GetBoolean());

        release.Set();
        deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while ((await daemon.GetAsync(id, "percentDone")).GetProperty("percentDone").GetDouble() < 1)
        {
            Assert.True(DateTime.UtcNow < deadline, "the download did not complete");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        daemon.Time.Advance(TimeSpan.FromSeconds(1)); // the session's tick notices the completion
        await daemon.WaitForStatusAsync(id, 6);
        Assert.Equal(content, File.ReadAllBytes(Path.Combine(daemon.Downloads, "web.bin")));
    }
}
