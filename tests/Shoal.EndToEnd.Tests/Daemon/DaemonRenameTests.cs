using System.Text.Json.Nodes;
using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;
using static Shoal.EndToEnd.Tests.Robustness.ShoalProcess;

namespace Shoal.EndToEnd.Tests.Daemon;

/// <summary>
/// torrent-rename-path through the real daemon's HTTP RPC (transmission-remote 3.00 has no rename option): a seeding
/// torrent's file and top folder are renamed, the daemon restarts, and the renamed data is still complete and seeds.
/// </summary>
public sealed class DaemonRenameTests
{
    [Fact]
    public async Task A_seeding_torrents_renamed_file_and_folder_survive_a_restart_and_it_seeds_them()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory("daemon-rename");
        string downloads = dir.Combine("downloads"), state = dir.Combine("state");
        dir.WriteRandomFile(Path.Combine("downloads", "album", "01.bin"), 700_000, seed: 300);
        dir.WriteRandomFile(Path.Combine("downloads", "album", "02.bin"), 500_000, seed: 301);
        var torrent = await new Metainfo.TorrentBuilder { PieceLength = 64 * 1024 }.BuildAsync(dir.Combine("downloads", "album"), cancellationToken: ct);
        string torrentFile = dir.Combine("album.torrent");
        torrent.Save(torrentFile);
        string original = dir.Combine("original");
        Directory.CreateDirectory(original);
        File.Copy(dir.Combine("downloads", "album", "02.bin"), Path.Combine(original, "02.bin"));

        int peerPort = FreePort.Next(), rpcPort = FreePort.Next();
        await using (var daemon = await DaemonProcess.StartAsync(state, downloads, rpcPort, peerPort))
        {
            await daemon.Rpc.CallAsync("torrent-add", new JsonObject { ["metainfo"] = Convert.ToBase64String(torrent.Encode()) }, ct);
            await daemon.WaitForStatusAsync(1, 6);
            var answer = await daemon.Rpc.CallAsync("torrent-rename-path",
                new JsonObject { ["ids"] = new JsonArray(1), ["path"] = "album/02.bin", ["name"] = "second.bin" }, ct);
            Assert.Equal("second.bin", answer.GetProperty("name").GetString());
            Assert.Equal(1, answer.GetProperty("id").GetInt32());
            await daemon.Rpc.CallAsync("torrent-rename-path", new JsonObject { ["ids"] = 1, ["path"] = "album", ["name"] = "The Album" }, ct);
            await daemon.WaitForStatusAsync(1, 6);
        }
        Assert.Equal(File.ReadAllBytes(Path.Combine(original, "02.bin")), File.ReadAllBytes(Path.Combine(downloads, "The Album", "second.bin")));
        Assert.False(Directory.Exists(Path.Combine(downloads, "album")));

        await using (var daemon = await DaemonProcess.StartAsync(state, downloads, rpcPort, peerPort))
        {
            await daemon.WaitForStatusAsync(1, 6, TimeSpan.FromSeconds(30));
            var t = await daemon.TorrentAsync(1, "name", "files");
            Assert.Equal("The Album", t.GetProperty("name").GetString());
            Assert.Equal(["The Album/01.bin", "The Album/second.bin"], t.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("name").GetString()));
            // Every piece is there under the new names (the renamed file was hashed again after its rename, and trusted since).
            int pieces = torrent.Info.PieceCount;
            await daemon.Process.WaitForLineAsync(l => l.Contains($"started The Album: {pieces}/{pieces} pieces verified", StringComparison.Ordinal),
                TimeSpan.FromSeconds(10), "the renamed torrent started complete");
            // And it seeds: a leecher with the original .torrent gets the original names and bytes.
            await using var leecher = StartLeecher("leecher", torrentFile, dir.Combine("leech"), "--peer", $"127.0.0.1:{peerPort}", "--no-lsd");
            await leecher.WaitForCompleteAsync(TimeSpan.FromSeconds(60));
            Assert.Null(ContentComparison.Differences(Path.Combine(original, "02.bin"), dir.Combine("leech", "album", "02.bin")));
        }
    }
}
