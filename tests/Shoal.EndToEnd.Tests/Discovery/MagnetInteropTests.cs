using System.Net;
using Shoal.Client;
using Shoal.Metainfo;
using Shoal.Swarm;
using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;

namespace Shoal.EndToEnd.Tests.Discovery;

/// <summary>Magnet links (BEP 9) across implementations: metadata and data from libtorrent to Shoal, and back.</summary>
[Trait("Category", "Interop")]
public sealed class MagnetInteropTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ClientOptions Loopback => new() { Engine = new EngineSettings { ListenAddress = IPAddress.Loopback } };

    [Fact]
    public async Task Shoal_downloads_a_magnet_from_a_libtorrent_seeder()
    {
        ReferencePrograms.RequireLibtorrent();
        using var dir = new TempDirectory("magnet-lt");
        // 16 MiB in 16 KiB pieces: a 20 KB info dictionary, so the metadata comes in two ut_metadata pieces.
        var content = dir.WriteRandomFile("seed/payload.bin", 16 * 1024 * 1024, seed: 3);
        var torrent = await LibtorrentPeer.CreateTorrentAsync(content, dir.Combine("payload.torrent"), pieceLength: 16 * 1024, cancellationToken: Ct);
        await using var seeder = await LibtorrentPeer.SeedAsync(torrent.TorrentPath, dir.Combine("seed"), cancellationToken: Ct);
        await seeder.WaitForCompletionAsync(TimeSpan.FromSeconds(30), Ct);

        await using var client = await ShoalClient.StartAsync(Loopback);
        var progress = new List<MetadataProgress>();
        var managed = await client.AddMagnetAsync(torrent.InfoHash, [], [new IPEndPoint(IPAddress.Loopback, seeder.ListenPort)], dir.Combine("leech"),
            new Recorder<MetadataProgress>(progress), ct: Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(torrent.InfoHash, managed.Info.InfoHash);
        Assert.True(MetadataSizeOf(managed.Info) > 16 * 1024);
        Assert.Equal(TorrentFiles.ReadInfo(torrent.TorrentPath).RawInfo.ToArray(), managed.Info.RawInfo.ToArray());
        await managed.Completion.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await managed.StopAsync();

        var differences = ContentComparison.Differences(content, dir.Combine("leech", "payload.bin"));
        Assert.True(differences is null, $"{differences}\n{seeder.Describe()}");
        lock (progress) Assert.Contains(progress, p => p.TotalBytes == MetadataSizeOf(managed.Info));
    }

    [Fact]
    public async Task Shoal_finds_the_peers_of_a_magnet_through_its_tracker()
    {
        ReferencePrograms.RequireLibtorrent();
        ReferencePrograms.Require("opentracker");
        using var dir = new TempDirectory("magnet-tr");
        var content = dir.WriteRandomFile("seed/payload.bin", 3 * 1024 * 1024 + 777, seed: 4);
        await using var tracker = await OpenTrackerProcess.StartAsync(cancellationToken: Ct);
        var torrent = await LibtorrentPeer.CreateTorrentAsync(content, dir.Combine("payload.torrent"), [tracker.HttpAnnounceUrl], cancellationToken: Ct);
        await tracker.AllowAsync(torrent.InfoHash, cancellationToken: Ct);
        await using var seeder = await LibtorrentPeer.SeedAsync(torrent.TorrentPath, dir.Combine("seed"), cancellationToken: Ct);
        await seeder.WaitForCompletionAsync(TimeSpan.FromSeconds(30), Ct);
        await tracker.WaitForSwarmAsync(torrent.InfoHash, seeders: 1, leechers: 0, TimeSpan.FromSeconds(20), Ct);

        await using var client = await ShoalClient.StartAsync(Loopback);
        var managed = await client.AddMagnetAsync(torrent.InfoHash, [[tracker.HttpAnnounceUrl]], [], dir.Combine("leech"), ct: Ct)
            .WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await managed.Completion.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Contains(managed.Trackers, t => t.LastPeerCount > 0);
        await managed.StopAsync();
        var differences = ContentComparison.Differences(content, dir.Combine("leech", "payload.bin"));
        Assert.True(differences is null, differences);
    }

    [Fact]
    public async Task Libtorrent_downloads_a_magnet_from_a_Shoal_seeder()
    {
        ReferencePrograms.RequireLibtorrent();
        using var dir = new TempDirectory("magnet-shoal");
        var content = dir.WriteRandomFile("seed/payload.bin", 16 * 1024 * 1024 + 4321, seed: 5);
        var info = TorrentFiles.ForFile(content, pieceLength: 16 * 1024);
        await using var client = await ShoalClient.StartAsync(Loopback);
        var seeding = await client.AddAsync(info, [], dir.Combine("seed"), ct: Ct);
        Assert.True(seeding.Session.IsComplete);

        await using var leecher = await LibtorrentPeer.DownloadMagnetAsync(TorrentFiles.Magnet(info.InfoHash, info.Name), dir.Combine("leech"),
            new LibtorrentOptions { ConnectTo = [client.Engine.ListenEndPoint] }, Ct);
        await leecher.WaitForCompletionAsync(TimeSpan.FromSeconds(40), Ct);
        Assert.Equal(info.InfoHash, leecher.InfoHashReported);
        Assert.Equal(0, leecher.HashFailures);
        var differences = ContentComparison.Differences(content, dir.Combine("leech", "payload.bin"));
        Assert.True(differences is null, $"{differences}\n{leecher.Describe()}");
    }

    private static int MetadataSizeOf(TorrentInfo info) => info.RawInfo.Length;

    private sealed class Recorder<T>(List<T> into) : IProgress<T>
    {
        public void Report(T value)
        {
            lock (into) into.Add(value);
        }
    }
}
