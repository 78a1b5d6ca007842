using System.Net;
using Shoal.Client;
using Shoal.Metainfo;
using Shoal.Swarm;
using Shoal.Tests.Support;

namespace Shoal.Tests.Daemon;

/// <summary>
/// A v2-only .torrent without its 'piece layers' (BEP 52 lets a .torrent leave them out) added to the daemon: its layers are
/// computed from complete data in the download folder, else fetched from peers like a magnet's metadata.
/// </summary>
public sealed class V2LayerlessTorrentTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A v2 torrent of one 50 KB file (4 pieces of 16 KiB, so it needs a piece layer) and the same torrent without its layers.</summary>
    private static async Task<(Torrent Full, byte[] Bare)> MakeAsync(string dataPath)
    {
        var v2 = await new TorrentBuilder { Format = TorrentFormat.V2, PieceLength = 16 * 1024 }.BuildAsync(dataPath, cancellationToken: Ct);
        var bare = new Torrent(Torrent.Parse(v2.Encode()).Info, v2.AnnounceTiers).Encode();
        Assert.False(Torrent.Parse(bare).Info.HasAllPieceHashes);
        return (v2, bare);
    }

    private static bool StoredWithLayers(TestDaemon daemon, int id) =>
        Torrent.Parse(daemon.Store.LoadTorrents().Single(t => t.Id == id).Metainfo!).Info.HasAllPieceHashes;

    [Fact]
    public async Task Over_complete_data_its_layers_are_computed_kept_and_it_seeds_after_a_restart_too()
    {
        using var dir = new TempDirectory("daemon-v2-bare");
        var data = dir.WriteRandomFile("downloads/v2.bin", 50_000, 5);
        var (_, bare) = await MakeAsync(data);
        int id;
        await using (var daemon = await TestDaemon.StartAsync(dir))
        {
            id = await daemon.AddAsync(bare);
            await daemon.WaitForStatusAsync(id, 6, Bound);
            var t = await daemon.GetAsync(id, "percentDone", "leftUntilDone", "errorString", "metadataPercentComplete");
            Assert.Equal(1.0, t.GetProperty("percentDone").GetDouble());
            Assert.Equal(0, t.GetProperty("leftUntilDone").GetInt64());
            Assert.Equal(1.0, t.GetProperty("metadataPercentComplete").GetDouble());
            Assert.Equal("", t.GetProperty("errorString").GetString());
            Assert.True(StoredWithLayers(daemon, id)); // a restart needs neither the computation nor peers
        }
        await using (var daemon = await TestDaemon.StartAsync(dir))
        {
            await daemon.WaitForStatusAsync(id, 6, Bound);
            Assert.Equal(1.0, (await daemon.GetAsync(id, "percentDone")).GetProperty("percentDone").GetDouble());
        }
    }

    /// <summary>Without its data, nor a peer to send the layers, it is downloading (fetching them), can stop and start, survives a restart and is removed.</summary>
    [Fact]
    public async Task Without_data_it_waits_for_its_layers_from_peers_stops_starts_survives_a_restart_and_is_removed()
    {
        using var dir = new TempDirectory("daemon-v2-bare");
        var data = dir.WriteRandomFile("elsewhere/v2.bin", 50_000, 6);
        var (full, bare) = await MakeAsync(data);
        int id;
        await using (var daemon = await TestDaemon.StartAsync(dir))
        {
            id = await daemon.AddAsync(bare);
            await daemon.WaitForStatusAsync(id, 4, Bound);
            var t = await daemon.GetAsync(id, "hashString", "percentDone", "errorString", "metadataPercentComplete", "files", "name");
            Assert.Equal(full.InfoHashes.V2Truncated!.Value.ToHex(), t.GetProperty("hashString").GetString());
            Assert.Equal(0.0, t.GetProperty("percentDone").GetDouble());
            Assert.Equal(0.0, t.GetProperty("metadataPercentComplete").GetDouble()); // the layers are fetched as a magnet's metadata is
            Assert.Equal("", t.GetProperty("errorString").GetString());
            Assert.Equal("v2.bin", t.GetProperty("name").GetString());
            Assert.Equal(50_000, t.GetProperty("files")[0].GetProperty("length").GetInt64());

            await daemon.OkAsync("torrent-stop", new { ids = new[] { id } });
            await daemon.WaitForStatusAsync(id, 0, Bound);
            await daemon.OkAsync("torrent-start", new { ids = new[] { id } });
            await daemon.WaitForStatusAsync(id, 4, Bound);
            Assert.False(StoredWithLayers(daemon, id));
        }
        await using (var daemon = await TestDaemon.StartAsync(dir))
        {
            await daemon.WaitForStatusAsync(id, 4, Bound);
            Assert.Equal(full.InfoHashes.V2Truncated!.Value.ToHex(), (await daemon.GetAsync(id, "hashString")).GetProperty("hashString").GetString());
            await daemon.OkAsync("torrent-remove", new Dictionary<string, object> { ["ids"] = new[] { id }, ["delete-local-data"] = true });
            await daemon.Session.WhenIdleAsync().WaitAsync(Bound, Ct);
            var left = (await daemon.OkAsync("torrent-get", new { fields = new[] { "id" } })).GetProperty("torrents");
            Assert.Empty(left.EnumerateArray());
            Assert.Empty(daemon.Store.LoadTorrents());
            Assert.False(File.Exists(Path.Combine(daemon.Downloads, "v2.bin")));
        }
    }

    /// <summary>A file of the right length that is not the torrent's data is never called complete: the layers are fetched instead.</summary>
    [Fact]
    public async Task Over_data_that_is_not_its_own_nothing_is_called_complete_and_the_layers_are_fetched()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var data = daemon.Dir.WriteRandomFile("elsewhere/v2.bin", 50_000, 7);
        daemon.Dir.WriteRandomFile("downloads/v2.bin", 50_000, 8);
        var (_, bare) = await MakeAsync(data);
        int id = await daemon.AddAsync(bare);
        await daemon.WaitForStatusAsync(id, 4, Bound);
        var t = await daemon.GetAsync(id, "percentDone", "haveValid", "errorString");
        Assert.Equal(0.0, t.GetProperty("percentDone").GetDouble());
        Assert.Equal(0, t.GetProperty("haveValid").GetInt64());
        Assert.False(StoredWithLayers(daemon, id));
    }

    /// <summary>A peer that has the torrent (with its layers) connects: the daemon fetches the layers from it, downloads, verifies and seeds.</summary>
    [Fact]
    public async Task Its_layers_come_from_a_peer_and_the_download_completes_and_is_kept()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var data = daemon.Dir.WriteRandomFile("seeder/v2.bin", 50_000, 9);
        var (full, bare) = await MakeAsync(data);
        await using var seeder = await ShoalClient.StartAsync(new ClientOptions
        {
            Engine = new EngineSettings { ListenAddress = IPAddress.Loopback, ListenPort = 0 },
            EnableLsd = false,
        });
        var seeding = await seeder.AddAsync(full.Info, [], daemon.Dir.Combine("seeder"), ct: Ct);

        int id = await daemon.AddAsync(bare);
        await daemon.WaitForStatusAsync(id, 4, Bound);
        seeding.AddPeers([new IPEndPoint(IPAddress.Loopback, daemon.Engine.ListenPort)]);
        // The session's clock is fake: each tick (a second of it) takes in the engine's progress, so it is seen done.
        var deadline = DateTime.UtcNow + Bound;
        while ((await daemon.GetAsync(id, "status")).GetProperty("status").GetInt32() != 6 && DateTime.UtcNow < deadline)
        {
            daemon.Time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(50, Ct);
        }
        await daemon.WaitForStatusAsync(id, 6, Bound);

        var t = await daemon.GetAsync(id, "percentDone", "metadataPercentComplete", "errorString", "corruptEver");
        Assert.Equal(1.0, t.GetProperty("percentDone").GetDouble());
        Assert.Equal(1.0, t.GetProperty("metadataPercentComplete").GetDouble());
        Assert.Equal("", t.GetProperty("errorString").GetString());
        Assert.Equal(0, t.GetProperty("corruptEver").GetInt64());
        Assert.Equal(File.ReadAllBytes(data), File.ReadAllBytes(Path.Combine(daemon.Downloads, "v2.bin")));
        Assert.True(StoredWithLayers(daemon, id));
    }
}
