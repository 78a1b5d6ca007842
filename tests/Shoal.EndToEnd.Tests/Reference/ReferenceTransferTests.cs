using System.Net;
using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;

namespace Shoal.EndToEnd.Tests.Reference;

/// <summary>
/// Real transfers between the reference programs on 127.0.0.1. They prove the drivers (and the interop settings of
/// ../shared/INTEROP.md) work on this machine, so that a failing Shoal interop test points at Shoal.
/// </summary>
[Trait("Category", "Interop")]
public sealed class ReferenceTransferTests
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(20);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Seeder and leecher find each other only through opentracker; the leecher's copy must be identical.</summary>
    [Theory]
    [InlineData("lt", "aria2", "http")]
    [InlineData("aria2", "lt", "http")]
    [InlineData("lt", "lt", "udp")]
    [InlineData("lt", "tr", "http")] // Transmission never dials loopback: the seeder re-announces, learns of it, dials it
    [InlineData("tr", "lt", "http")]
    public async Task Seeder_and_leecher_meet_through_opentracker(string seedKind, string leechKind, string protocol)
    {
        var seedProgram = Require(seedKind);
        var leechProgram = Require(leechKind);
        ReferencePrograms.Require("opentracker");
        ReferencePrograms.RequireLibtorrent(); // torrents are made with libtorrent
        using var dir = new TempDirectory("interop");
        var content = dir.WriteRandomFile("seed/payload.bin", 6 * 1024 * 1024 + 12_345, seed: 11);

        await using var tracker = await OpenTrackerProcess.StartAsync(cancellationToken: Ct);
        var announce = protocol == "udp" ? tracker.UdpAnnounceUrl : tracker.HttpAnnounceUrl;
        var torrent = await LibtorrentPeer.CreateTorrentAsync(content, dir.Combine("payload.torrent"), [announce], cancellationToken: Ct);
        await tracker.AllowAsync(torrent.InfoHash, cancellationToken: Ct);

        var seedSetup = new TransferSetup(torrent.TorrentPath, dir.Combine("seed"))
        {
            ReannounceEvery = TransferParticipants.ReannounceNeededFor(leechProgram),
        };
        await using var seeder = await seedProgram.StartAsync(TransferRole.Seed, seedSetup, Ct);
        await seeder.WaitForCompletionAsync(Step, Ct);
        await tracker.WaitForSwarmAsync(torrent.InfoHash, seeders: 1, leechers: 0, Step, Ct);

        await using var leecher = await leechProgram.StartAsync(TransferRole.Leech, new TransferSetup(torrent.TorrentPath, dir.Combine("leech")), Ct);
        await leecher.WaitForCompletionAsync(TimeSpan.FromSeconds(40), Ct);
        await leecher.DisposeAsync(); // a clean stop flushes what a program still caches (Transmission)

        var differences = ContentComparison.Differences(content, dir.Combine("leech", "payload.bin"));
        Assert.True(differences is null, $"{differences}\n{leecher.Describe()}\n{seeder.Describe()}");
    }

    /// <summary>No tracker: the leecher is told the seeder's address (connect_peer). A folder with several files.</summary>
    [Fact]
    public async Task Libtorrent_downloads_a_folder_from_a_peer_it_is_given()
    {
        ReferencePrograms.RequireLibtorrent();
        using var dir = new TempDirectory("interop");
        dir.WriteRandomFile("seed/album/one.bin", 3 * 1024 * 1024, seed: 1);
        dir.WriteRandomFile("seed/album/sub/two.bin", 700_001, seed: 2);
        dir.WriteRandomFile("seed/album/three.bin", 5, seed: 3);
        var torrent = await LibtorrentPeer.CreateTorrentAsync(dir.Combine("seed", "album"), dir.Combine("album.torrent"),
            pieceLength: 64 * 1024, cancellationToken: Ct);

        await using var seeder = await LibtorrentPeer.SeedAsync(torrent.TorrentPath, dir.Combine("seed"), cancellationToken: Ct);
        await seeder.WaitForCompletionAsync(Step, Ct);
        Assert.Equal(torrent.InfoHash, seeder.InfoHashReported);

        await using var leecher = await LibtorrentPeer.DownloadAsync(torrent.TorrentPath, dir.Combine("leech"),
            new LibtorrentOptions { ConnectTo = [new IPEndPoint(IPAddress.Loopback, seeder.ListenPort)] }, Ct);
        await leecher.WaitForCompletionAsync(Step, Ct);

        Assert.Equal(torrent.InfoHash, leecher.InfoHashReported);
        Assert.Equal(1.0, leecher.LatestStatus!.Progress);
        Assert.Equal(0, leecher.HashFailures);
        await leecher.DisposeAsync(); // libtorrent reports "finished" before its disk writes are all done: stop it first
        var differences = ContentComparison.Differences(dir.Combine("seed", "album"), dir.Combine("leech", "album"));
        Assert.True(differences is null, $"{differences}\n{leecher.Describe()}");
    }

    /// <summary>A magnet link: the metadata comes from the seeder over ut_metadata (BEP 9), then the data.</summary>
    [Fact]
    public async Task Libtorrent_downloads_a_magnet_from_a_peer_it_is_given()
    {
        ReferencePrograms.RequireLibtorrent();
        using var dir = new TempDirectory("interop");
        var content = dir.WriteRandomFile("seed/movie.bin", 2 * 1024 * 1024 + 3, seed: 4);
        var torrent = await LibtorrentPeer.CreateTorrentAsync(content, dir.Combine("movie.torrent"), cancellationToken: Ct);
        Assert.Contains(torrent.InfoHash.ToHex(), torrent.MagnetUri, StringComparison.OrdinalIgnoreCase);

        await using var seeder = await LibtorrentPeer.SeedAsync(torrent.TorrentPath, dir.Combine("seed"), cancellationToken: Ct);
        await seeder.WaitForCompletionAsync(Step, Ct);
        await using var leecher = await LibtorrentPeer.DownloadMagnetAsync(torrent.MagnetUri, dir.Combine("leech"), cancellationToken: Ct);
        await leecher.ConnectAsync(new IPEndPoint(IPAddress.Loopback, seeder.ListenPort)); // a command on stdin, after start
        await leecher.WaitForCompletionAsync(Step, Ct);

        Assert.Equal(torrent.InfoHash, leecher.InfoHashReported);
        await leecher.DisposeAsync();
        var differences = ContentComparison.Differences(content, dir.Combine("leech", "movie.bin"));
        Assert.True(differences is null, $"{differences}\n{leecher.Describe()}");
    }

    private static ITransferParticipant Require(string kind)
    {
        var participant = TransferParticipants.Get(kind);
        if (participant.Unavailable() is { } why) ReferencePrograms.Unavailable(why);
        return participant;
    }
}
