using System.Net;
using Shoal.Metainfo;
using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;

namespace Shoal.EndToEnd.Tests.Interop;

/// <summary>
/// v2-only and hybrid torrents (BEP 52) between `shoal` processes and libtorrent 2.0, both ways, peers given by address:
/// the torrent made by the seeder's side (libtorrent's create_torrent, or `shoal create`), every copy compared byte for byte.
/// </summary>
[Trait("Category", "Interop")]
public sealed class V2TransferInteropTests
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(30);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static void WriteAlbum(TempDirectory dir)
    {
        dir.WriteRandomFile("seed/album/one.bin", 1_000_003, seed: 1);
        dir.WriteRandomFile("seed/album/sub/two.bin", 300_001, seed: 2);
        dir.WriteRandomFile("seed/album/three.bin", 5, seed: 3);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Shoal_downloads_a_v2_or_hybrid_torrent_from_libtorrent(bool v2Only)
    {
        ReferencePrograms.RequireLibtorrent();
        using var dir = new TempDirectory("shoal-v2-interop");
        WriteAlbum(dir);
        var created = await LibtorrentPeer.CreateTorrentAsync(dir.Combine("seed", "album"), dir.Combine("album.torrent"),
            pieceLength: 32 * 1024, cancellationToken: Ct, hybrid: !v2Only, v2: v2Only);
        var parsed = Torrent.Load(created.TorrentPath);
        Assert.Equal(v2Only ? TorrentFormat.V2 : TorrentFormat.Hybrid, parsed.InfoHashes.IsHybrid ? TorrentFormat.Hybrid : TorrentFormat.V2);
        Assert.Equal(created.InfoHash, parsed.InfoHash);

        await using var seeder = await LibtorrentPeer.SeedAsync(created.TorrentPath, dir.Combine("seed"), cancellationToken: Ct);
        await seeder.WaitForCompletionAsync(Step, Ct);
        await using var leecher = await ShoalPeer.DownloadAsync(created.TorrentPath, dir.Combine("leech"),
            new ShoalOptions { ConnectTo = [new IPEndPoint(IPAddress.Loopback, seeder.ListenPort)] }, Ct);
        await leecher.WaitForCompletionAsync(Step, Ct);

        var differences = ContentComparison.Differences(dir.Combine("seed", "album"), dir.Combine("leech", "album"));
        Assert.True(differences is null, $"{differences}\n{leecher.Describe()}\n{seeder.Describe()}");
    }

    [Theory]
    [InlineData("--v2")]
    [InlineData("--hybrid")]
    public async Task Libtorrent_downloads_a_torrent_made_and_seeded_by_shoal(string format)
    {
        ReferencePrograms.RequireLibtorrent();
        using var dir = new TempDirectory("shoal-v2-interop");
        WriteAlbum(dir);
        string torrentPath = dir.Combine("album.torrent");
        var create = ProcessRunner.Run("dotnet", [ShoalPeer.CliPath, "create", dir.Combine("seed", "album"), format, "--piece-size", "32K", "-o", torrentPath]);
        Assert.True(create.ExitCode == 0, create.StdErr + create.StdOut);
        var torrent = Torrent.Load(torrentPath);

        await using var seeder = await ShoalPeer.SeedAsync(torrentPath, dir.Combine("seed"), ct: Ct);
        await seeder.WaitForCompletionAsync(Step, Ct);
        await using var leecher = await LibtorrentPeer.DownloadAsync(torrentPath, dir.Combine("leech"),
            new LibtorrentOptions { ConnectTo = [new IPEndPoint(IPAddress.Loopback, seeder.ListenPort)] }, Ct);
        await leecher.WaitForCompletionAsync(Step, Ct);
        Assert.Equal(torrent.InfoHash, leecher.InfoHashReported);
        Assert.Equal(0, leecher.HashFailures);

        await leecher.DisposeAsync();
        var differences = ContentComparison.Differences(dir.Combine("seed", "album"), dir.Combine("leech", "album"));
        Assert.True(differences is null, $"{differences}\n{leecher.Describe()}\n{seeder.Describe()}");
    }

    /// <summary>A urn:btmh magnet both ways: metadata over ut_metadata, then piece layers over BEP 52 hash requests.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_v2_magnet_link_downloads_between_shoal_and_libtorrent(bool shoalLeeches)
    {
        ReferencePrograms.RequireLibtorrent();
        using var dir = new TempDirectory("shoal-v2-interop");
        WriteAlbum(dir);
        var created = await LibtorrentPeer.CreateTorrentAsync(dir.Combine("seed", "album"), dir.Combine("album.torrent"),
            pieceLength: 32 * 1024, cancellationToken: Ct, v2: true);
        var torrent = Torrent.Load(created.TorrentPath);
        string magnet = $"magnet:?xt=urn:btmh:1220{torrent.InfoHashes.V2!.Value.ToHex()}&dn=album";

        IReferencePeer seeder = shoalLeeches
            ? await LibtorrentPeer.SeedAsync(created.TorrentPath, dir.Combine("seed"), cancellationToken: Ct)
            : await ShoalPeer.SeedAsync(created.TorrentPath, dir.Combine("seed"), ct: Ct);
        await using var _ = seeder;
        await seeder.WaitForCompletionAsync(Step, Ct);
        var seedAddress = new IPEndPoint(IPAddress.Loopback, seeder.ListenPort);
        IReferencePeer leecher = shoalLeeches
            ? await ShoalPeer.DownloadMagnetAsync(magnet, dir.Combine("leech"), new ShoalOptions { ConnectTo = [seedAddress] }, Ct)
            : await LibtorrentPeer.DownloadMagnetAsync(magnet, dir.Combine("leech"), new LibtorrentOptions { ConnectTo = [seedAddress] }, Ct);
        await using (leecher) await leecher.WaitForCompletionAsync(Step, Ct);

        var differences = ContentComparison.Differences(dir.Combine("seed", "album"), dir.Combine("leech", "album"));
        Assert.True(differences is null, $"{differences}\n{leecher.Describe()}\n{seeder.Describe()}");
    }
}
