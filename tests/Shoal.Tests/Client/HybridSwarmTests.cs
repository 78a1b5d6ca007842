using System.Net;
using Shoal.Client;
using Shoal.Discovery.Dht;
using Shoal.Metainfo;
using Shoal.Storage;
using Shoal.Swarm;
using Shoal.Tests.Support;
using Shoal.Tests.Swarm;
using Shoal.Tests.Swarm.V2;
using Shoal.Trackers;
using Shoal.TrackerServer;

namespace Shoal.Tests.Client;

/// <summary>
/// A hybrid torrent (BEP 52) is in two swarms and is one torrent inside: it is announced to every tracker under its v1
/// hash and under its truncated v2 hash, and a peer found only in the v2 swarm is dialled with the v2 hash (and the v2
/// bit) and serves the same download. Against Shoal's own tracker server on loopback.
/// </summary>
public sealed class HybridSwarmTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Plaintext: the scripted peer reads a bare handshake (encryption is not what is tested here).
    private static ClientOptions Loopback => new()
    {
        Engine = new EngineSettings { ListenAddress = IPAddress.Loopback, ListenPort = 0, RandomSeed = 3 },
        Encryption = Shoal.Transport.Mse.EncryptionPolicy.Off,
    };

    private static TrackerClientOptions TrackerClient => new() { UdpTimeout = TimeSpan.FromSeconds(2), RequestTimeout = TimeSpan.FromSeconds(10) };

    private static Task<TrackerHost> StartTrackerAsync() =>
        TrackerHost.StartAsync(new TrackerOptions { Host = "127.0.0.1", Port = 0 }, cancellationToken: Ct);

    /// <summary>Lists <paramref name="peer"/> at the tracker in one swarm only, as a seeder.</summary>
    private static async Task AnnounceOnlyUnderAsync(string url, InfoHash swarm, IPEndPoint peer)
    {
        using var client = TrackerClientFactory.Create(new Uri(url), TrackerClient);
        var request = new AnnounceRequest(swarm, Shoal.Wire.PeerId.Generate(), peer.Port, 0, 0, 0, AnnounceEvent.Started);
        await client.AnnounceAsync(request, Ct);
    }

    [Theory]
    [InlineData("http")]
    [InlineData("udp")]
    public async Task A_hybrid_is_announced_to_each_tracker_under_both_hashes(string scheme)
    {
        using var dir = new TempDirectory("hybrid-announce");
        var (torrent, space) = await V2SwarmTests.MakeAsync(dir, TorrentFormat.Hybrid);
        var info = torrent.Info;
        await using var tracker = await StartTrackerAsync();
        var url = scheme == "udp" ? tracker.UdpAnnounceUrl : tracker.HttpAnnounceUrl;
        await using var seeder = await ShoalClient.StartAsync(Loopback);
        var shared = seeder.Add(info, [[url]], MemoryStorage.CreateSeeded(info, space));
        Assert.Equal([info.InfoHashes.V1!.Value, info.InfoHashes.V2Truncated!.Value], shared.SwarmHashes);

        using var scraper = TrackerClientFactory.Create(new Uri(url), TrackerClient);
        foreach (var swarm in shared.SwarmHashes)
        {
            ScrapeResult? seen = null;
            for (var deadline = DateTime.UtcNow.AddSeconds(15); DateTime.UtcNow < deadline && seen?.Seeders != 1; await Task.Delay(50, Ct))
                seen = await scraper.ScrapeAsync(swarm, Ct);
            Assert.True(seen?.Seeders == 1, $"the tracker does not list the seeder under {swarm}: {seen}");
        }
        // A v1 torrent stays in one swarm.
        var content = SwarmTestData.RandomBytes(50_000, seed: 4);
        var v1 = SwarmTestData.SingleFile(content);
        Assert.Equal([v1.InfoHash], seeder.Add(v1, [[url]], MemoryStorage.CreateSeeded(v1, content)).SwarmHashes);
    }

    [Fact]
    public async Task A_peer_found_only_in_the_v2_swarm_is_dialled_with_the_v2_hash_and_bit()
    {
        using var dir = new TempDirectory("hybrid-v2-dial");
        var (torrent, _) = await V2SwarmTests.MakeAsync(dir, TorrentFormat.Hybrid);
        var info = torrent.Info;
        await using var tracker = await StartTrackerAsync();
        using var listener = new ScriptedPeer.Listener();
        var v2 = info.InfoHashes.V2Truncated!.Value;
        await AnnounceOnlyUnderAsync(tracker.HttpAnnounceUrl, v2, listener.EndPoint);

        await using var leecher = await ShoalClient.StartAsync(Loopback);
        leecher.Add(info, [[tracker.HttpAnnounceUrl]], new MemoryStorage(info));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        await using var peer = await listener.AcceptAsync(timeout.Token);
        var handshake = await peer.ReceiveHandshakeAsync(timeout.Token);
        Assert.Equal(v2, handshake.InfoHash);
        Assert.True(handshake.Reserved.SupportsV2, "a handshake in the v2 swarm says we speak v2");
        // BEP 6's allowed-fast set for this connection comes from the hash it uses, not the v1 one.
        await peer.SendHandshakeAsync(v2, Shoal.Wire.ReservedBits.Shoal.WithV2());
        var expected = Shoal.Wire.AllowedFastSet.Compute(IPAddress.Loopback, v2, info.PieceCount);
        Assert.NotEqual(expected.Order(), Shoal.Wire.AllowedFastSet.Compute(IPAddress.Loopback, info.InfoHashes.V1!.Value, info.PieceCount).Order());
        Assert.Equal(expected.Order(), (await V2SwarmTests.ReceiveAllowedFastAsync(peer, expected.Length, timeout.Token)).Order());
    }

    [Fact]
    public async Task A_hybrid_downloads_from_a_seeder_known_only_in_its_v2_swarm()
    {
        using var dir = new TempDirectory("hybrid-v2-download");
        var (torrent, space) = await V2SwarmTests.MakeAsync(dir, TorrentFormat.Hybrid);
        var info = torrent.Info;
        await using var tracker = await StartTrackerAsync();
        // The seeder is never announced in the v1 swarm: only the v2 swarm leads to it.
        await using var seeder = await ClientEngine.StartAsync(new EngineSettings { ListenAddress = IPAddress.Loopback, RandomSeed = 8 });
        seeder.AddTorrent(info, MemoryStorage.CreateSeeded(info, space));
        await AnnounceOnlyUnderAsync(tracker.HttpAnnounceUrl, info.InfoHashes.V2Truncated!.Value, seeder.ListenEndPoint);

        await using var leecher = await ShoalClient.StartAsync(Loopback);
        var storage = new MemoryStorage(info);
        var download = leecher.Add(info, [[tracker.HttpAnnounceUrl]], storage);
        await download.Completion.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(space, SwarmTestData.ReadAll(storage));
    }

    [Fact]
    public async Task A_hybrid_magnet_fetches_metadata_and_data_from_a_seeder_known_only_in_its_v2_swarm()
    {
        using var dir = new TempDirectory("hybrid-v2-magnet");
        var (torrent, space) = await V2SwarmTests.MakeAsync(dir, TorrentFormat.Hybrid);
        var info = torrent.Info;
        await using var tracker = await StartTrackerAsync();
        await using var seeder = await ClientEngine.StartAsync(new EngineSettings { ListenAddress = IPAddress.Loopback, RandomSeed = 9 });
        seeder.AddTorrent(info, MemoryStorage.CreateSeeded(info, space));
        await AnnounceOnlyUnderAsync(tracker.HttpAnnounceUrl, info.InfoHashes.V2Truncated!.Value, seeder.ListenEndPoint);

        await using var leecher = await ShoalClient.StartAsync(Loopback);
        var link = new MagnetLink(info.InfoHashes, "album", [tracker.HttpAnnounceUrl]);
        var download = leecher.AddMagnet(link, dir.Combine("out"));
        Assert.Equal(info.InfoHashes.WireForms, download.SwarmHashes);
        await download.Completion.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(info.InfoHash, download.Info.InfoHash);
        Assert.True(download.Storage!.Verified.IsComplete);
    }

    [Fact]
    public async Task A_hybrid_is_announced_on_the_dht_under_both_hashes()
    {
        using var dir = new TempDirectory("hybrid-dht");
        var (torrent, space) = await V2SwarmTests.MakeAsync(dir, TorrentFormat.Hybrid);
        var info = torrent.Info;
        // A second node on loopback, the seeder's only contact: the seeder's announces are stored there.
        await using var otherPort = (Shoal.Transport.UdpDatagramPort)ClientTransports.Udp(new EngineSettings { ListenAddress = IPAddress.Loopback, ListenPort = 0 });
        await using var other = DhtNode.Start(otherPort, new DhtOptions { BootstrapNodes = [] }, TimeProvider.System, new Random(6));
        var otherEndPoint = otherPort.LocalEndPoint;
        await using var seeder = await ShoalClient.StartAsync(Loopback with
        {
            Datagrams = ClientTransports.Udp,
            EnableDht = true,
            Dht = new DhtOptions { BootstrapNodes = [otherEndPoint.ToString()] },
        });
        var shared = seeder.Add(info, [], MemoryStorage.CreateSeeded(info, space));
        Assert.True(shared.IsOnDht);

        var expected = new IPEndPoint(IPAddress.Loopback, seeder.ListenPort);
        foreach (var swarm in shared.SwarmHashes)
        {
            bool found = false;
            for (var deadline = DateTime.UtcNow.AddSeconds(20); !found && DateTime.UtcNow < deadline; await Task.Delay(100, Ct))
            {
                using var lookup = CancellationTokenSource.CreateLinkedTokenSource(Ct);
                lookup.CancelAfter(TimeSpan.FromSeconds(2));
                try
                {
                    await foreach (var peer in other.GetPeersAsync(swarm, lookup.Token))
                        if (peer.Equals(expected)) { found = true; break; }
                }
                catch (OperationCanceledException) when (!Ct.IsCancellationRequested) { }
            }
            Assert.True(found, $"the DHT does not know the seeder under {swarm}: {other.GetStats()}");
        }
    }
}
