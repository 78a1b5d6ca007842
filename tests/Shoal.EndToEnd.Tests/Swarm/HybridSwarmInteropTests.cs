using System.Net;
using Shoal.Metainfo;
using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;
using Shoal.Trackers;
using Shoal.TrackerServer;

namespace Shoal.EndToEnd.Tests.Swarm;

/// <summary>
/// Hybrid torrents (BEP 52) in real swarms on 127.0.0.1 with Shoal's tracker: Shoal finds a libtorrent seeder that is
/// listed only in the v2 swarm, and one Shoal seeder serves libtorrent (v2-aware) and Transmission 3 (v1 only) at once.
/// </summary>
[Trait("Category", "Interop")]
public sealed class HybridSwarmInteropTests
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(30);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static void WriteAlbum(TempDirectory dir)
    {
        dir.WriteRandomFile("seed/album/one.bin", 1_000_003, seed: 1);
        dir.WriteRandomFile("seed/album/sub/two.bin", 300_001, seed: 2);
        dir.WriteRandomFile("seed/album/three.bin", 5, seed: 3);
    }

    private static Task<TrackerHost> StartTrackerAsync() => TrackerHost.StartAsync(new TrackerOptions
    {
        Host = "127.0.0.1", Port = 0, AnnounceInterval = TimeSpan.FromSeconds(30), MinAnnounceInterval = TimeSpan.FromSeconds(1),
    }, cancellationToken: Ct);

    /// <summary>Every file of the seed's album, byte for byte, in <paramref name="leech"/> (a v1 client may also keep pad files).</summary>
    private static string? AlbumDifferences(TempDirectory dir, string leech)
    {
        var problems = new List<string>();
        string seedAlbum = dir.Combine("seed", "album");
        foreach (var file in Directory.EnumerateFiles(seedAlbum, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(seedAlbum, file);
            if (ContentComparison.Differences(file, Path.Combine(dir.Combine(leech, "album"), relative)) is { } difference) problems.Add(difference);
        }
        return problems.Count == 0 ? null : string.Join("; ", problems);
    }

    [Fact]
    public async Task Shoal_downloads_a_hybrid_from_a_libtorrent_seeder_listed_only_in_the_v2_swarm()
    {
        ReferencePrograms.RequireLibtorrent();
        using var dir = new TempDirectory("shoal-hybrid-swarm");
        WriteAlbum(dir);
        await using var tracker = await StartTrackerAsync();
        // The seeder's copy names no tracker (libtorrent would announce it in both swarms); it is listed by hand in the v2 one.
        var created = await LibtorrentPeer.CreateTorrentAsync(dir.Combine("seed", "album"), dir.Combine("seed.torrent"),
            pieceLength: 32 * 1024, cancellationToken: Ct, hybrid: true);
        var seedTorrent = Torrent.Load(created.TorrentPath);
        Assert.True(seedTorrent.InfoHashes.IsHybrid);
        await using var seeder = await LibtorrentPeer.SeedAsync(created.TorrentPath, dir.Combine("seed"), cancellationToken: Ct);
        await seeder.WaitForCompletionAsync(Step, Ct);
        var v2 = seedTorrent.InfoHashes.V2Truncated!.Value;
        using (var announcer = TrackerClientFactory.Create(new Uri(tracker.HttpAnnounceUrl), TrackerClientOptions.Default))
            await announcer.AnnounceAsync(new AnnounceRequest(v2, Shoal.Wire.PeerId.Generate(), seeder.ListenPort, 0, 0, 0, AnnounceEvent.Started), Ct);

        string leechTorrent = dir.Combine("leech.torrent");
        new Torrent(seedTorrent.Info, [[tracker.HttpAnnounceUrl]], pieceLayers: seedTorrent.PieceLayers).Save(leechTorrent);
        await using var leecher = await ShoalPeer.DownloadAsync(leechTorrent, dir.Combine("leech"), ct: Ct);
        await leecher.WaitForCompletionAsync(Step, Ct);

        var differences = ContentComparison.Differences(dir.Combine("seed", "album"), dir.Combine("leech", "album"));
        Assert.True(differences is null, $"{differences}\n{leecher.Describe()}\n{seeder.Describe()}");
    }

    /// <summary>
    /// The hybrid swarm: a Shoal seeder, a libtorrent leecher (v2-aware, in both swarms) and a v1-only leecher.
    /// That is Transmission when it can read the torrent; Transmission 3.00 cannot read any hybrid (its parser refuses the
    /// empty dictionary key every v2 'file tree' has; libtorrent's own hybrids too), so there the v1 leecher is Shoal
    /// started from a magnet naming only the v1 hash. Transmission never dials loopback peers, so the seeder re-announces
    /// every second to learn its address and dial it.
    /// </summary>
    [Fact]
    public async Task A_shoal_seeder_serves_a_hybrid_to_libtorrent_and_a_v1_leecher_together()
    {
        ReferencePrograms.RequireLibtorrent();
        var transmission = TransferParticipants.Get("tr");
        if (transmission.Unavailable() is { } why) ReferencePrograms.Unavailable(why);
        using var dir = new TempDirectory("shoal-hybrid-swarm");
        WriteAlbum(dir);
        await using var tracker = await StartTrackerAsync();
        string torrentPath = dir.Combine("album.torrent");
        var create = ProcessRunner.Run("dotnet", [ShoalPeer.CliPath, "create", dir.Combine("seed", "album"), "--hybrid", "--piece-size", "32K",
            "--tracker", tracker.HttpAnnounceUrl, "-o", torrentPath]);
        Assert.True(create.ExitCode == 0, create.StdErr + create.StdOut);
        var torrent = Torrent.Load(torrentPath);
        Assert.True(torrent.InfoHashes.IsHybrid);
        bool transmissionReadsIt = ProcessRunner.Run("transmission-show", [torrentPath]).ExitCode == 0;
        if (!transmissionReadsIt)
        {
            var version = ProcessRunner.Run("transmission-show", ["--version"]);
            Assert.True((version.StdOut + version.StdErr).Contains("3.00", StringComparison.Ordinal),
                $"only Transmission 3.00 is known to refuse hybrid torrents: {version.StdOut}{version.StdErr}");
        }

        await using var seeder = await ShoalPeer.SeedAsync(torrentPath, dir.Combine("seed"), new ShoalOptions { ReannounceEvery = TimeSpan.FromSeconds(1) }, Ct);
        await seeder.WaitForCompletionAsync(Step, Ct);
        await using var lt = await TransferParticipants.Get("lt").StartAsync(TransferRole.Leech, new TransferSetup(torrentPath, dir.Combine("lt")), Ct);
        var v1Magnet = new MagnetLink(torrent.InfoHashes.V1!.Value, "album", [tracker.HttpAnnounceUrl]).ToString();
        await using IReferencePeer v1 = transmissionReadsIt
            ? await transmission.StartAsync(TransferRole.Leech, new TransferSetup(torrentPath, dir.Combine("v1")), Ct)
            : await ShoalPeer.DownloadMagnetAsync(v1Magnet, dir.Combine("v1"), ct: Ct);
        await Task.WhenAll(lt.WaitForCompletionAsync(TimeSpan.FromSeconds(60), Ct), v1.WaitForCompletionAsync(TimeSpan.FromSeconds(60), Ct));
        await lt.DisposeAsync();
        await v1.DisposeAsync();

        foreach (var (name, peer) in new[] { ("lt", lt), ("v1", v1) })
        {
            var differences = AlbumDifferences(dir, name);
            Assert.True(differences is null, $"{name}: {differences}\n{peer.Describe()}\n{seeder.Describe()}");
        }
    }
}
