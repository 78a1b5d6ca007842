using System.Net;
using Shoal.EndToEnd.Tests.Robustness;
using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;

namespace Shoal.EndToEnd.Tests.Discovery;

/// <summary>
/// Trackerless magnet links between `shoal` and libtorrent on 127.0.0.1, where the DHT is the only way to meet: each
/// side's DHT is bootstrapped from the other's port and nothing else (INTEROP.md "DHT on loopback").
/// </summary>
[Trait("Category", "Interop")]
public sealed class DhtClientInteropTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Magnet(CreatedTorrent torrent) => $"magnet:?xt=urn:btih:{torrent.InfoHash.ToHex()}&dn=payload.bin";

    [Fact]
    public async Task Libtorrent_finds_a_shoal_seeder_through_the_dht_alone()
    {
        ReferencePrograms.RequireLibtorrent();
        using var dir = new TempDirectory("dht-lt-leech");
        var content = dir.WriteRandomFile("seed/payload.bin", 2 * 1024 * 1024 + 5, seed: 4);
        var torrent = await LibtorrentPeer.CreateTorrentAsync(content, dir.Combine("payload.torrent"), cancellationToken: Ct);
        int seedPort = FreePort.Next();
        await using var seeder = await ShoalProcess.StartSeederAsync(content, torrent.TorrentPath, seedPort, extra: ["--no-lsd"]);

        var options = new LibtorrentOptions
        {
            DhtBootstrap = [new IPEndPoint(IPAddress.Loopback, seedPort)],
            // libtorrent announces its torrents this often (default 15 min): an announce sent before the Shoal node
            // could take it (no token yet, the node still busy on a loaded machine) is sent again soon.
            ExtraSettings = new Dictionary<string, string> { ["dht_announce_interval"] = "2" },
        };
        await using var leecher = await LibtorrentPeer.DownloadMagnetAsync(Magnet(torrent), dir.Combine("leech"), options, Ct);
        await leecher.WaitForCompletionAsync(TimeSpan.FromSeconds(90), Ct);
        var differences = ContentComparison.Differences(content, dir.Combine("leech", "payload.bin"));
        Assert.True(differences is null, $"{differences}\n{leecher.Describe()}");
    }

    [Fact]
    public async Task Shoal_finds_a_libtorrent_seeder_through_the_dht_alone()
    {
        ReferencePrograms.RequireLibtorrent();
        using var dir = new TempDirectory("dht-shoal-leech");
        var content = dir.WriteRandomFile("seed/payload.bin", 2 * 1024 * 1024 + 5, seed: 5);
        var torrent = await LibtorrentPeer.CreateTorrentAsync(content, dir.Combine("payload.torrent"), cancellationToken: Ct);
        int leechPort = FreePort.Next();
        var options = new LibtorrentOptions
        {
            DhtBootstrap = [new IPEndPoint(IPAddress.Loopback, leechPort)],
            // libtorrent announces its torrents on the DHT this often (default 15 min): the Shoal node must hear of it soon.
            ExtraSettings = new Dictionary<string, string> { ["dht_announce_interval"] = "2" },
        };
        await using var seeder = await LibtorrentPeer.SeedAsync(torrent.TorrentPath, dir.Combine("seed"), options, Ct);
        await seeder.WaitForCompletionAsync(TimeSpan.FromSeconds(30), Ct);

        await using var leecher = ShoalProcess.Start("leecher", ["get", Magnet(torrent), "-o", dir.Combine("leech"), "--port", $"{leechPort}",
            "--bind", "127.0.0.1", "--json", "--no-lsd", "--dht-bootstrap", $"127.0.0.1:{seeder.ListenPort}", "--idle-timeout", "60"]);
        await leecher.WaitForCompleteAsync(TimeSpan.FromSeconds(90));
        var differences = ContentComparison.Differences(content, dir.Combine("leech", "payload.bin"));
        Assert.True(differences is null, $"{differences}\n{seeder.Describe()}");
    }
}
