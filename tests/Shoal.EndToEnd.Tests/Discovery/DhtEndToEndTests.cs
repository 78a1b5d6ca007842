using Shoal.EndToEnd.Tests.Robustness;
using Shoal.Metainfo;
using Shoal.Tests.Support;

namespace Shoal.EndToEnd.Tests.Discovery;

/// <summary>
/// `shoal get` of a magnet link that names no tracker and no peer: the only way to the seeder is the DHT. Two real
/// processes on 127.0.0.1; the leecher's DHT knows one node, the seeder's (--dht-bootstrap), and nothing else ever.
/// </summary>
public sealed class DhtEndToEndTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_magnet_link_with_no_tracker_downloads_through_the_dht()
    {
        using var dir = new TempDirectory("dht-e2e");
        var data = dir.WriteRandomFile("film.bin", 3 * 1024 * 1024 + 17);
        var torrentPath = dir.Combine("film.torrent");
        int seedPort = FreePort.Next();
        await using var seeder = await ShoalProcess.StartSeederAsync(data, torrentPath, seedPort);
        var magnet = $"magnet:?xt=urn:btih:{Torrent.Load(torrentPath).InfoHash.ToHex()}&dn=film.bin";

        await using var leecher = ShoalProcess.Start("leecher", ["get", magnet, "-o", dir.Combine("leech"), "--port", "0", "--bind", "127.0.0.1",
            "--json", "--no-lsd", "--dht-bootstrap", $"127.0.0.1:{seedPort}", "--idle-timeout", "60"]);
        await leecher.WaitForCompleteAsync(TimeSpan.FromSeconds(90));
        Assert.Equal(await File.ReadAllBytesAsync(data, Ct), await File.ReadAllBytesAsync(dir.Combine("leech", "film.bin"), Ct));
        // The metadata came from a connected peer, and the magnet names none and no tracker: the DHT found it (the
        // test below is the control: the same command with --no-dht finds nobody).
        Assert.Contains(leecher.JsonLines, j => j.GetProperty("event").GetString() == "metadata" && j.GetProperty("connected_peers").GetInt32() > 0);
    }

    [Fact]
    public async Task With_no_dht_the_same_magnet_link_finds_nobody()
    {
        using var dir = new TempDirectory("dht-e2e-off");
        var data = dir.WriteRandomFile("film.bin", 200_000);
        var torrentPath = dir.Combine("film.torrent");
        int seedPort = FreePort.Next();
        await using var seeder = await ShoalProcess.StartSeederAsync(data, torrentPath, seedPort);
        var magnet = $"magnet:?xt=urn:btih:{Torrent.Load(torrentPath).InfoHash.ToHex()}&dn=film.bin";

        await using var leecher = ShoalProcess.Start("leecher", ["get", magnet, "-o", dir.Combine("leech"), "--port", "0", "--bind", "127.0.0.1",
            "--json", "--no-lsd", "--no-dht", "--dht-bootstrap", $"127.0.0.1:{seedPort}", "--idle-timeout", "8"]);
        int code = await leecher.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, code);
        Assert.False(File.Exists(dir.Combine("leech", "film.bin")) && new FileInfo(dir.Combine("leech", "film.bin")).Length == 200_000);
    }
}
