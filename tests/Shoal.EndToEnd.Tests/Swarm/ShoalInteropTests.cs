using Shoal.Metainfo;
using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;
using Shoal.TrackerServer;

namespace Shoal.EndToEnd.Tests.Swarm;

/// <summary>
/// Shoal's `seed` and `get` commands, run as real processes, exchanging data with libtorrent, Transmission and aria2
/// in both directions — through Shoal's own tracker (HTTP and UDP) and through opentracker. Every copy is compared
/// byte for byte with the original.
/// </summary>
[Trait("Category", "Interop")]
public sealed class ShoalInteropTests
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(30);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("shoal", "shoal", "shoal-udp")]
    [InlineData("shoal", "lt", "shoal-http")]
    [InlineData("lt", "shoal", "shoal-udp")]
    [InlineData("shoal", "aria2", "shoal-http")]
    [InlineData("aria2", "shoal", "shoal-http")]
    [InlineData("shoal", "tr", "shoal-http")]
    [InlineData("tr", "shoal", "shoal-http")]
    [InlineData("shoal", "lt", "opentracker-udp")]
    [InlineData("lt", "shoal", "opentracker-http")]
    [InlineData("shoal", "aria2", "opentracker-http")]
    [InlineData("aria2", "shoal", "opentracker-http")]
    [InlineData("shoal", "tr", "opentracker-http")]
    public async Task Seeder_and_leecher_meet_through_a_tracker(string seedKind, string leechKind, string trackerKind)
    {
        var seedProgram = Require(seedKind);
        var leechProgram = Require(leechKind);
        using var dir = new TempDirectory("shoal-interop");
        var content = dir.WriteRandomFile("seed/payload.bin", 5 * 1024 * 1024 + 54_321, seed: 5);
        await using var tracker = await AnyTracker.StartAsync(trackerKind, Ct);

        var builder = new TorrentBuilder { PieceLength = 64 * 1024 };
        builder.AddTrackers(tracker.AnnounceUrl);
        var torrent = await builder.BuildAsync(content, null, Ct);
        string torrentPath = dir.Combine("payload.torrent");
        torrent.Save(torrentPath);
        await tracker.AllowAsync(torrent.InfoHash, Ct);

        var seedSetup = new TransferSetup(torrentPath, dir.Combine("seed")) { ReannounceEvery = TransferParticipants.ReannounceNeededFor(leechProgram) };
        await using var seeder = await seedProgram.StartAsync(TransferRole.Seed, seedSetup, Ct);
        await seeder.WaitForCompletionAsync(Step, Ct);

        await using var leecher = await leechProgram.StartAsync(TransferRole.Leech, new TransferSetup(torrentPath, dir.Combine("leech")), Ct);
        await leecher.WaitForCompletionAsync(TimeSpan.FromSeconds(60), Ct);
        await leecher.DisposeAsync();

        var differences = ContentComparison.Differences(content, dir.Combine("leech", "payload.bin"));
        Assert.True(differences is null, $"{differences}\n{leecher.Describe()}\n{seeder.Describe()}");
    }

    /// <summary>A folder, made by libtorrent as a v1+v2 hybrid with BEP 47 pad files, seeded by libtorrent, fetched by Shoal.</summary>
    [Fact]
    public async Task Shoal_downloads_a_hybrid_folder_with_pad_files_from_libtorrent()
    {
        ReferencePrograms.RequireLibtorrent();
        using var dir = new TempDirectory("shoal-interop");
        dir.WriteRandomFile("seed/album/one.bin", 1_000_003, seed: 1);
        dir.WriteRandomFile("seed/album/sub/two.bin", 300_001, seed: 2);
        dir.WriteRandomFile("seed/album/three.bin", 5, seed: 3);
        await using var tracker = await AnyTracker.StartAsync("shoal-http", Ct);
        var created = await LibtorrentPeer.CreateTorrentAsync(dir.Combine("seed", "album"), dir.Combine("album.torrent"), [tracker.AnnounceUrl],
            pieceLength: 32 * 1024, cancellationToken: Ct, hybrid: true);
        var parsed = Torrent.Load(created.TorrentPath);
        Assert.Contains(parsed.Info.Files, f => f.IsPadding);
        Assert.Equal(created.InfoHash, parsed.InfoHash);

        await using var seeder = await LibtorrentPeer.SeedAsync(created.TorrentPath, dir.Combine("seed"), cancellationToken: Ct);
        await seeder.WaitForCompletionAsync(Step, Ct);
        await using var leecher = await ShoalPeer.DownloadAsync(created.TorrentPath, dir.Combine("leech"), ct: Ct);
        await leecher.WaitForCompletionAsync(Step, Ct);

        var differences = ContentComparison.Differences(dir.Combine("seed", "album"), dir.Combine("leech", "album"));
        Assert.True(differences is null, $"{differences}\n{leecher.Describe()}");
        Assert.False(Directory.EnumerateFiles(dir.Combine("leech", "album"), "*padding*", SearchOption.AllDirectories).Any());
    }

    /// <summary>`shoal get MAGNET`: metadata (BEP 9) and data from a libtorrent seeder found through the tracker; the .torrent saved.</summary>
    [Fact]
    public async Task Shoal_get_fetches_a_magnet_from_libtorrent_and_saves_its_torrent()
    {
        ReferencePrograms.RequireLibtorrent();
        using var dir = new TempDirectory("shoal-interop");
        var content = dir.WriteRandomFile("seed/clip.bin", 3 * 1024 * 1024 + 99, seed: 6);
        await using var tracker = await AnyTracker.StartAsync("shoal-http", Ct);
        var created = await LibtorrentPeer.CreateTorrentAsync(content, dir.Combine("clip.torrent"), [tracker.AnnounceUrl], cancellationToken: Ct);
        await using var seeder = await LibtorrentPeer.SeedAsync(created.TorrentPath, dir.Combine("seed"), cancellationToken: Ct);
        await seeder.WaitForCompletionAsync(Step, Ct);

        string saved = dir.Combine("saved.torrent");
        string magnet = new MagnetLink(created.InfoHash, "clip.bin", [tracker.AnnounceUrl]).ToString();
        await using var leecher = await ShoalPeer.DownloadMagnetAsync(magnet, dir.Combine("leech"),
            new ShoalOptions { ExtraArguments = ["--save-torrent", saved] }, Ct);
        await leecher.WaitForCompletionAsync(Step, Ct);

        var differences = ContentComparison.Differences(content, dir.Combine("leech", "clip.bin"));
        Assert.True(differences is null, $"{differences}\n{leecher.Describe()}");
        Assert.Equal(created.InfoHash, Torrent.Load(saved).InfoHash);
    }

    private static ITransferParticipant Require(string kind)
    {
        var participant = TransferParticipants.Get(kind);
        if (participant.Unavailable() is { } why) ReferencePrograms.Unavailable(why);
        return participant;
    }

    /// <summary>Shoal's tracker (in-process, HTTP or UDP) or Debian's opentracker (a process), behind one face.</summary>
    private sealed class AnyTracker : IAsyncDisposable
    {
        private readonly TrackerHost? _shoal;
        private readonly OpenTrackerProcess? _open;

        private AnyTracker(TrackerHost? shoal, OpenTrackerProcess? open, string url)
        {
            _shoal = shoal;
            _open = open;
            AnnounceUrl = url;
        }

        public string AnnounceUrl { get; }

        public static async Task<AnyTracker> StartAsync(string kind, CancellationToken ct)
        {
            if (kind.StartsWith("opentracker", StringComparison.Ordinal))
            {
                ReferencePrograms.Require("opentracker");
                var open = await OpenTrackerProcess.StartAsync(cancellationToken: ct);
                return new AnyTracker(null, open, kind.EndsWith("udp", StringComparison.Ordinal) ? open.UdpAnnounceUrl : open.HttpAnnounceUrl);
            }
            var shoal = await TrackerHost.StartAsync(new TrackerOptions
            {
                Host = "127.0.0.1", Port = 0, AnnounceInterval = TimeSpan.FromSeconds(30), MinAnnounceInterval = TimeSpan.FromSeconds(1),
            }, cancellationToken: ct);
            return new AnyTracker(shoal, null, kind.EndsWith("udp", StringComparison.Ordinal) ? shoal.UdpAnnounceUrl : shoal.HttpAnnounceUrl);
        }

        public Task AllowAsync(InfoHash hash, CancellationToken ct) => _open?.AllowAsync(hash, cancellationToken: ct) ?? Task.CompletedTask;

        public async ValueTask DisposeAsync()
        {
            if (_shoal is not null) await _shoal.DisposeAsync();
            if (_open is not null) await _open.DisposeAsync();
        }
    }
}
