using Microsoft.Extensions.Time.Testing;
using Shoal.Client;
using Shoal.Metainfo;
using Shoal.Storage;
using Shoal.Swarm;
using Shoal.Tests.Support;
using Shoal.Tests.Swarm;

namespace Shoal.Tests.Client;

/// <summary>What a client running many torrents needs: a magnet torrent that exists at once, pause and resume.</summary>
public class MagnetAndPauseTests
{
    private static ClientOptions InMemory(InMemoryNetwork network, TimeProvider time) =>
        new() { Engine = new EngineSettings { RandomSeed = 5 }, Transports = _ => network.NewHost(), Time = time };

    [Fact]
    public async Task A_magnet_torrent_exists_at_once_and_its_info_arrives_later()
    {
        var ct = TestContext.Current.CancellationToken;
        var (info, content) = MetadataExchangeTests.ManyFiles(files: 60, seed: 9);
        using var dir = new TempDirectory("magnet-now");
        var network = new InMemoryNetwork();
        var time = new FakeTimeProvider();
        await using var leecher = await ShoalClient.StartAsync(InMemory(network, time));
        var link = MagnetLink.Parse($"magnet:?xt=urn:btih:{info.InfoHash.ToHex()}&dn=later");
        var torrent = leecher.AddMagnet(link, dir.Path);
        Assert.False(torrent.HasMetadata);
        Assert.Equal("later", torrent.Name);
        Assert.Throws<InvalidOperationException>(() => torrent.Info);
        Assert.Null(torrent.Storage);
        Assert.Equal(TorrentState.FetchingMetadata, torrent.Status.State);
        Assert.NotNull(torrent.Status.Metadata);
        Assert.Contains(torrent, leecher.Torrents);

        await using var seeder = await ShoalClient.StartAsync(InMemory(network, time));
        seeder.Add(info, [], MemoryStorage.CreateSeeded(info, content));
        torrent.AddPeers([seeder.Engine.ListenEndPoint]);
        var received = await torrent.MetadataReceived.WaitAsync(TimeSpan.FromSeconds(20), ct);
        Assert.Equal(info.InfoHash, received.InfoHash);
        await torrent.Ready.WaitAsync(TimeSpan.FromSeconds(20), ct);
        Assert.Equal("many", torrent.Name);
        await torrent.Completion.WaitAsync(TimeSpan.FromSeconds(20), ct);
        Assert.True(torrent.Storage!.Verified.IsComplete);
    }

    [Fact]
    public async Task A_paused_torrent_drops_its_peers_and_finishes_after_resume()
    {
        var ct = TestContext.Current.CancellationToken;
        var content = SwarmTestData.RandomBytes(2 * 1024 * 1024, seed: 12);
        var info = SwarmTestData.SingleFile(content, pieceLength: 16 * 1024);
        var network = new InMemoryNetwork();
        var time = new FakeTimeProvider();
        await using var seeder = await ShoalClient.StartAsync(InMemory(network, time));
        seeder.Add(info, [], MemoryStorage.CreateSeeded(info, content));
        await using var leecher = await ShoalClient.StartAsync(InMemory(network, time));
        var storage = new MemoryStorage(info);
        var torrent = leecher.Add(info, [], storage);
        await torrent.PauseAsync();
        torrent.AddPeers([seeder.Engine.ListenEndPoint]);
        Assert.Equal(TorrentState.Paused, torrent.Status.State);
        Assert.Empty(torrent.Status.Peers);

        torrent.Resume();
        await MetadataExchangeTests.WaitUntilAsync(() => torrent.Status.PiecesVerified > 0, ct);
        await torrent.PauseAsync();
        await MetadataExchangeTests.WaitUntilAsync(() => torrent.Status.Peers.Count == 0, ct);
        Assert.True(torrent.IsPaused);
        Assert.Equal(TorrentState.Paused, torrent.Status.State);

        torrent.Resume();
        await torrent.Completion.WaitAsync(TimeSpan.FromSeconds(20), ct);
        Assert.Equal(content, SwarmTestData.ReadAll(storage));
    }
}
