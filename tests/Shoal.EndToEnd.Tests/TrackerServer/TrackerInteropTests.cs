using Shoal.Bencoding;
using Shoal.Metainfo;
using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;
using Shoal.TrackerServer;

namespace Shoal.EndToEnd.Tests.TrackerServer;

/// <summary>
/// Reference clients use Shoal's tracker, and nothing else, to find each other: DHT, LSD, PEX are off and no peer is
/// added by hand, so a completed transfer proves both announced and got the other's address. The programs run through the
/// shared drivers in tests/TestSupport/Reference, configured per INTEROP.md.
/// </summary>
[Trait("Category", "Interop")]
public class TrackerInteropTests
{
    public enum Program { Libtorrent, Transmission, Aria2 }

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public static TheoryData<Program, Program, string> Pairs => new()
    {
        { Program.Libtorrent, Program.Libtorrent, "http" },
        { Program.Libtorrent, Program.Libtorrent, "udp" },
        // aria2 1.36 speaks UDP trackers only through its DHT socket ("udp is not supported yet" with DHT off, which
        // INTEROP.md requires), so it is tested over HTTP only.
        { Program.Libtorrent, Program.Aria2, "http" },
        // Transmission never dials loopback peers but accepts them: it seeds, libtorrent dials it.
        { Program.Transmission, Program.Libtorrent, "http" },
        { Program.Transmission, Program.Libtorrent, "udp" },
    };

    [Theory]
    [MemberData(nameof(Pairs))]
    public async Task Transfer_completes_with_only_shoals_tracker_for_discovery(Program seeder, Program leecher, string protocol)
    {
        Require(seeder);
        Require(leecher);
        var mktorrent = ReferencePrograms.Require("mktorrent");
        using var dir = new TempDirectory("tracker-interop");
        await using var tracker = await TrackerHost.StartAsync(new TrackerOptions
        {
            Host = "127.0.0.1",
            Port = 0,
            AnnounceInterval = TimeSpan.FromSeconds(5),
            MinAnnounceInterval = TimeSpan.FromSeconds(1),
            PeerTimeout = TimeSpan.FromMinutes(5),
        }, cancellationToken: TestContext.Current.CancellationToken);
        var announceUrl = protocol == "udp" ? tracker.UdpAnnounceUrl : tracker.HttpAnnounceUrl;

        var seedDir = dir.Combine("seed");
        var content = dir.WriteRandomFile("seed/payload.bin", 3 * 1024 * 1024 + 12345, seed: 7);
        var torrent = dir.Combine("payload.torrent");
        ProcessRunner.Run(mktorrent, ["-a", announceUrl, "-l", "16", "-o", torrent, content], TimeSpan.FromSeconds(60))
            .EnsureSuccess("mktorrent");
        var hash = InfoHashOf(torrent);

        var ct = TestContext.Current.CancellationToken;
        await using var seed = await SeedAsync(seeder, torrent, seedDir, ct);
        // The seeder's announce must reach the tracker over the chosen protocol before the leecher asks for peers.
        await WaitUntilAsync(() => tracker.Registry.Scrape(hash).Seeders == 1, $"{seeder} to register as a seeder", seed);
        Assert.True(protocol == "udp" ? tracker.Counters.UdpAnnounces > 0 : tracker.Counters.HttpAnnounces > 0);

        var leechDir = dir.Combine("leech");
        Directory.CreateDirectory(leechDir);
        await using var leech = await DownloadAsync(leecher, torrent, leechDir, ct);
        await leech.WaitForCompletionAsync(Patience, ct);

        var original = await File.ReadAllBytesAsync(content, ct);
        var downloaded = await File.ReadAllBytesAsync(Path.Combine(leechDir, "payload.bin"), ct);
        Assert.True(original.AsSpan().SequenceEqual(downloaded), "downloaded file differs from the original");
        Assert.True(tracker.Counters.Announces >= 2);
    }

    private static void Require(Program program)
    {
        switch (program)
        {
            case Program.Libtorrent: ReferencePrograms.RequireLibtorrent(); break;
            case Program.Transmission: ReferencePrograms.Require("transmission-cli"); break;
            case Program.Aria2: ReferencePrograms.Require("aria2c"); break;
        }
    }

    private static async Task<IReferencePeer> SeedAsync(Program program, string torrent, string dataDir, CancellationToken ct) => program switch
    {
        Program.Libtorrent => await LibtorrentPeer.SeedAsync(torrent, dataDir, cancellationToken: ct),
        Program.Transmission => await TransmissionPeer.SeedAsync(torrent, dataDir, cancellationToken: ct),
        _ => await Aria2Peer.SeedAsync(torrent, dataDir, cancellationToken: ct),
    };

    private static async Task<IReferencePeer> DownloadAsync(Program program, string torrent, string dataDir, CancellationToken ct) => program switch
    {
        Program.Libtorrent => await LibtorrentPeer.DownloadAsync(torrent, dataDir, cancellationToken: ct),
        Program.Transmission => await TransmissionPeer.DownloadAsync(torrent, dataDir, cancellationToken: ct),
        _ => await Aria2Peer.DownloadAsync(torrent, dataDir, cancellationToken: ct),
    };

    private static async Task WaitUntilAsync(Func<bool> condition, string what, IReferencePeer peer)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no {what} within {Patience}\n{peer.Describe()}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    private static InfoHash InfoHashOf(string torrentPath)
    {
        var bytes = File.ReadAllBytes(torrentPath);
        var reader = new BencodeReader(bytes);
        reader.ReadDictionaryStart();
        while (!reader.TryReadEnd())
        {
            var key = reader.ReadString();
            if (key.SequenceEqual("info"u8)) return InfoHash.Compute(reader.ReadRawValue());
            reader.SkipValue();
        }
        throw new InvalidDataException("torrent without info dictionary");
    }
}
