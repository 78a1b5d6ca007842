using System.Net;
using Shoal.Metainfo;
using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;

namespace Shoal.EndToEnd.Tests.Swarm;

/// <summary>`shoal create --v2/--hybrid`, `shoal seed` and two `shoal get` as real processes on 127.0.0.1.</summary>
public sealed class V2SwarmProcessTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("--v2")]
    [InlineData("--hybrid")]
    public async Task A_v2_or_hybrid_folder_goes_from_a_shoal_seeder_to_two_shoal_leechers(string format)
    {
        using var dir = new TempDirectory("shoal-v2-swarm");
        dir.WriteRandomFile("seed/album/a.bin", 700_001, seed: 1);
        dir.WriteRandomFile("seed/album/nested/b.bin", 33_333, seed: 2);
        dir.WriteRandomFile("seed/album/c.txt", 12, seed: 3);
        File.WriteAllBytes(dir.Combine("seed", "album", "empty.dat"), []);
        string torrentPath = dir.Combine("album.torrent");
        var create = ProcessRunner.Run("dotnet", [ShoalPeer.CliPath, "create", dir.Combine("seed", "album"), format, "--piece-size", "16K", "-o", torrentPath]);
        Assert.True(create.ExitCode == 0, create.StdErr + create.StdOut);
        Assert.Equal(format == "--hybrid", Torrent.Load(torrentPath).InfoHashes.IsHybrid);

        await using var seeder = await ShoalPeer.SeedAsync(torrentPath, dir.Combine("seed"), ct: Ct);
        await seeder.WaitForCompletionAsync(TimeSpan.FromSeconds(30), Ct);
        var seedAddress = new IPEndPoint(IPAddress.Loopback, seeder.ListenPort);
        await using var first = await ShoalPeer.DownloadAsync(torrentPath, dir.Combine("leech1"), new ShoalOptions { ConnectTo = [seedAddress] }, Ct);
        await using var second = await ShoalPeer.DownloadAsync(torrentPath, dir.Combine("leech2"), new ShoalOptions { ConnectTo = [seedAddress] }, Ct);
        await Task.WhenAll(first.WaitForCompletionAsync(TimeSpan.FromSeconds(60), Ct), second.WaitForCompletionAsync(TimeSpan.FromSeconds(60), Ct));

        foreach (var (leecher, folder) in new[] { (first, "leech1"), (second, "leech2") })
        {
            var differences = ContentComparison.Differences(dir.Combine("seed", "album"), dir.Combine(folder, "album"));
            Assert.True(differences is null, $"{folder}: {differences}\n{leecher.Describe()}");
        }
    }

    /// <summary>`shoal get` of a v2 .torrent without its 'piece layers': they come from the seeder's answers to hash requests.</summary>
    [Fact]
    public async Task A_v2_torrent_without_piece_layers_goes_from_a_shoal_seeder_to_a_shoal_leecher()
    {
        using var dir = new TempDirectory("shoal-v2-swarm");
        dir.WriteRandomFile("seed/album/a.bin", 300_001, seed: 6);
        dir.WriteRandomFile("seed/album/b.bin", 40_000, seed: 7);
        var (torrentPath, barePath) = CreateWithBareCopy(dir, "32K");

        await SeedThenGetAlbumAsync(dir, seederTorrent: torrentPath, leecherTorrent: barePath);
    }

    /// <summary>
    /// `shoal seed` of a v2 .torrent without its 'piece layers' computes them from its data; `shoal get` of the same
    /// layer-less .torrent fetches them from that seeder (hash requests) and completes.
    /// </summary>
    [Fact]
    public async Task A_v2_torrent_without_piece_layers_is_seeded_by_shoal_seed_to_a_shoal_leecher()
    {
        using var dir = new TempDirectory("shoal-v2-swarm");
        dir.WriteRandomFile("seed/album/a.bin", 300_001, seed: 8);
        dir.WriteRandomFile("seed/album/b.bin", 70_000, seed: 9);
        dir.WriteRandomFile("seed/album/c.bin", 100, seed: 10);
        var (_, barePath) = CreateWithBareCopy(dir, "16K");

        await SeedThenGetAlbumAsync(dir, seederTorrent: barePath, leecherTorrent: barePath);
    }

    /// <summary>`shoal seed` of seed/album with one .torrent, `shoal get` into leech/ with another, dialled directly; the copies must match.</summary>
    private static async Task SeedThenGetAlbumAsync(TempDirectory dir, string seederTorrent, string leecherTorrent)
    {
        await using var seeder = await ShoalPeer.SeedAsync(seederTorrent, dir.Combine("seed"), ct: Ct);
        await seeder.WaitForCompletionAsync(TimeSpan.FromSeconds(30), Ct);
        await using var leecher = await ShoalPeer.DownloadAsync(leecherTorrent, dir.Combine("leech"),
            new ShoalOptions { ConnectTo = [new IPEndPoint(IPAddress.Loopback, seeder.ListenPort)] }, Ct);
        await leecher.WaitForCompletionAsync(TimeSpan.FromSeconds(60), Ct);

        var differences = ContentComparison.Differences(dir.Combine("seed", "album"), dir.Combine("leech", "album"));
        Assert.True(differences is null, $"{differences}\n{leecher.Describe()}\n{seeder.Describe()}");
    }

    /// <summary>`shoal create --v2` of seed/album, and a copy of that .torrent without its 'piece layers'.</summary>
    private static (string TorrentPath, string BarePath) CreateWithBareCopy(TempDirectory dir, string pieceSize)
    {
        string torrentPath = dir.Combine("album.torrent");
        var create = ProcessRunner.Run("dotnet", [ShoalPeer.CliPath, "create", dir.Combine("seed", "album"), "--v2", "--piece-size", pieceSize, "-o", torrentPath]);
        Assert.True(create.ExitCode == 0, create.StdErr + create.StdOut);
        var torrent = Torrent.Load(torrentPath);
        string barePath = dir.Combine("bare.torrent");
        File.WriteAllBytes(barePath, new Torrent(Torrent.Parse(torrent.Encode()).Info, torrent.AnnounceTiers).Encode());
        Assert.False(Torrent.Load(barePath).Info.HasAllPieceHashes);
        return (torrentPath, barePath);
    }

    /// <summary>`shoal get magnet:?xt=urn:btmh:…`: metadata, then piece layers by hash requests, then data, from a `shoal seed`.</summary>
    [Fact]
    public async Task A_v2_magnet_link_goes_from_a_shoal_seeder_to_a_shoal_leecher()
    {
        using var dir = new TempDirectory("shoal-v2-swarm");
        dir.WriteRandomFile("seed/album/a.bin", 300_001, seed: 4);
        dir.WriteRandomFile("seed/album/b.bin", 7, seed: 5);
        string torrentPath = dir.Combine("album.torrent");
        var create = ProcessRunner.Run("dotnet", [ShoalPeer.CliPath, "create", dir.Combine("seed", "album"), "--v2", "--piece-size", "16K", "-o", torrentPath]);
        Assert.True(create.ExitCode == 0, create.StdErr + create.StdOut);
        var torrent = Torrent.Load(torrentPath);

        await using var seeder = await ShoalPeer.SeedAsync(torrentPath, dir.Combine("seed"), ct: Ct);
        await seeder.WaitForCompletionAsync(TimeSpan.FromSeconds(30), Ct);
        string magnet = $"magnet:?xt=urn:btmh:1220{torrent.InfoHashes.V2!.Value.ToHex()}&dn=album";
        await using var leecher = await ShoalPeer.DownloadMagnetAsync(magnet, dir.Combine("leech"),
            new ShoalOptions { ConnectTo = [new IPEndPoint(IPAddress.Loopback, seeder.ListenPort)], ExtraArguments = ["--save-torrent", dir.Combine("saved.torrent")] }, Ct);
        await leecher.WaitForCompletionAsync(TimeSpan.FromSeconds(60), Ct);

        var differences = ContentComparison.Differences(dir.Combine("seed", "album"), dir.Combine("leech", "album"));
        Assert.True(differences is null, $"{differences}\n{leecher.Describe()}");
        // The saved .torrent carries the piece layers fetched from the seeder, so it can be used without a magnet's fetch.
        var saved = Torrent.Load(dir.Combine("saved.torrent"));
        Assert.Equal(torrent.InfoHashes, saved.InfoHashes);
        Assert.True(saved.PieceLayers is { IsComplete: true });
    }
}
