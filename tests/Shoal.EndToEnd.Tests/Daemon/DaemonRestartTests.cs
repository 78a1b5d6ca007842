using System.Text.Json.Nodes;
using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;
using static Shoal.EndToEnd.Tests.Robustness.ShoalProcess;

namespace Shoal.EndToEnd.Tests.Daemon;

/// <summary>The session survives kill -9: torrents, their states and settings come back, seeds seed again without a full recheck.</summary>
public sealed class DaemonRestartTests
{
    private const long Size = 3 * 1024 * 1024;

    [Fact]
    public async Task After_kill_9_every_torrent_comes_back_in_its_state_and_seeds_without_a_full_recheck()
    {
        using var dir = new TempDirectory("daemon-kill9");
        string downloads = dir.Combine("downloads"), state = dir.Combine("state");
        string[] names = ["one.bin", "two.bin", "three.bin"];
        var torrents = new List<string>();
        foreach (var (name, i) in names.Select((n, i) => (n, i)))
        {
            string data = dir.WriteRandomFile(Path.Combine("downloads", name), Size, seed: 200 + i);
            var torrent = await new Metainfo.TorrentBuilder { PieceLength = 64 * 1024 }.BuildAsync(data, cancellationToken: TestContext.Current.CancellationToken);
            torrents.Add(dir.Combine(name + ".torrent"));
            torrent.Save(torrents[^1]);
        }
        int peerPort = FreePort.Next(), rpcPort = FreePort.Next();
        await using (var daemon = await DaemonProcess.StartAsync(state, downloads, rpcPort, peerPort))
        {
            foreach (var (torrent, i) in torrents.Select((t, i) => (t, i)))
            {
                var args = new JsonObject { ["metainfo"] = Convert.ToBase64String(await File.ReadAllBytesAsync(torrent, TestContext.Current.CancellationToken)) };
                if (i == 2) args["paused"] = true;
                await daemon.Rpc.CallAsync("torrent-add", args, TestContext.Current.CancellationToken);
            }
            await daemon.Rpc.CallAsync("torrent-set", new JsonObject { ["ids"] = 2, ["labels"] = new JsonArray("kept") }, TestContext.Current.CancellationToken);
            await daemon.WaitForStatusAsync(1, 6);
            await daemon.WaitForStatusAsync(2, 6);
            // A leecher takes torrent one from the daemon: the upload counter must survive the crash too.
            await using (var leecher = StartLeecher("leecher", torrents[0], dir.Combine("leech"), "--peer", $"127.0.0.1:{peerPort}", "--no-lsd"))
            {
                await leecher.WaitForCompleteAsync(TimeSpan.FromSeconds(60));
            }
            Assert.Null(ContentComparison.Differences(Path.Combine(downloads, names[0]), dir.Combine("leech", names[0])));
            await Task.Delay(TimeSpan.FromSeconds(7), TestContext.Current.CancellationToken); // one counter flush (every 5 s)
            await daemon.Process.KillHardAsync();
        }
        await using (var daemon = await DaemonProcess.StartAsync(state, downloads, rpcPort, peerPort))
        {
            await daemon.WaitForStatusAsync(1, 6, TimeSpan.FromSeconds(30));
            await daemon.WaitForStatusAsync(2, 6, TimeSpan.FromSeconds(30));
            var all = await daemon.TorrentsAsync("id", "name", "status", "labels", "uploadedEver", "percentDone");
            Assert.Equal(names, all.Select(t => t.GetProperty("name").GetString()));
            Assert.Equal([6, 6, 0], all.Select(t => t.GetProperty("status").GetInt32()));
            Assert.Equal(["kept"], all[1].GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
            Assert.True(all[0].GetProperty("uploadedEver").GetInt64() >= Size, $"uploadedEver {all[0].GetProperty("uploadedEver")} after the crash");
            // Both seeds came back trusting their resume records: nothing hashed on the way up.
            foreach (var name in names[..2])
                await daemon.Process.WaitForLineAsync(l => l.Contains($"started {name}: 48/48 pieces verified, 0 hashed now", StringComparison.Ordinal),
                    TimeSpan.FromSeconds(10), $"{name} started without a recheck");
            // And they seed: a new leecher gets torrent two from the restarted daemon.
            await using var leecher = StartLeecher("leecher-after", torrents[1], dir.Combine("leech2"), "--peer", $"127.0.0.1:{peerPort}", "--no-lsd");
            await leecher.WaitForCompleteAsync(TimeSpan.FromSeconds(60));
            Assert.Null(ContentComparison.Differences(Path.Combine(downloads, names[1]), dir.Combine("leech2", names[1])));
        }
    }
}
