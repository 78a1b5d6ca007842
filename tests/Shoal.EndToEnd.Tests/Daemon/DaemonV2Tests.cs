using Shoal.Metainfo;
using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;
using static Shoal.EndToEnd.Tests.Robustness.ShoalProcess;

namespace Shoal.EndToEnd.Tests.Daemon;

/// <summary>A `shoal daemon` process downloads a v2-only .torrent and a v2 magnet link (urn:btmh) from `shoal seed` processes.</summary>
public sealed class DaemonV2Tests
{
    [Fact]
    public async Task The_daemon_downloads_a_v2_torrent_and_a_v2_magnet_link()
    {
        using var dir = new TempDirectory("daemon-v2");
        var (tracker, announce) = await StartTrackerAsync("127.0.0.1", FreePort.Next());
        await using var _ = tracker;
        string dataA = dir.WriteRandomFile("seedA/a.bin", 400_001, seed: 111);
        string dataB = dir.WriteRandomFile("seedB/b.bin", 300_003, seed: 112);
        foreach (var (data, torrent) in new[] { (dataA, "a.torrent"), (dataB, "b.torrent") })
        {
            var create = ProcessRunner.Run("dotnet", [CliPath, "create", data, "--v2", "--tracker", announce, "--piece-size", "32K", "-o", dir.Combine(torrent)]);
            Assert.True(create.ExitCode == 0, create.StdErr + create.StdOut);
        }
        await using var seederA = await StartSeederAsync(dataA, dir.Combine("a.torrent"), 0, extra: ["--no-lsd"]);
        await using var seederB = await StartSeederAsync(dataB, dir.Combine("b.torrent"), 0, extra: ["--no-lsd"]);
        string downloads = dir.Combine("downloads");
        await using var daemon = await DaemonProcess.StartAsync(dir.Combine("state"), downloads);
        ProcessRunner.Result Shoal(params string[] args) => ProcessRunner.Run("dotnet", [CliPath, .. args, "--rpc", daemon.RpcUrl.ToString()], TimeSpan.FromSeconds(60));

        var addTorrent = Shoal("add", dir.Combine("a.torrent"));
        Assert.True(addTorrent.ExitCode == 0, addTorrent.StdErr + addTorrent.StdOut);
        var v2 = Torrent.Load(dir.Combine("b.torrent")).InfoHashes.V2!.Value;
        var addMagnet = Shoal("add", $"magnet:?xt=urn:btmh:1220{v2.ToHex()}&dn=b.bin&tr={Uri.EscapeDataString(announce)}");
        Assert.True(addMagnet.ExitCode == 0, addMagnet.StdErr + addMagnet.StdOut);
        await daemon.WaitForStatusAsync(1, 6);
        await daemon.WaitForStatusAsync(2, 6);
        Assert.Null(ContentComparison.Differences(dataA, Path.Combine(downloads, "a.bin")));
        Assert.Null(ContentComparison.Differences(dataB, Path.Combine(downloads, "b.bin")));
    }
}
