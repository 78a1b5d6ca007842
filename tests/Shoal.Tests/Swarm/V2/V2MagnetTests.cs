using System.Net;
using Microsoft.Extensions.Time.Testing;
using Shoal.Metainfo;
using Shoal.Storage;
using Shoal.Swarm;
using Shoal.Tests.Support;
using Shoal.Wire;

namespace Shoal.Tests.Swarm.V2;

/// <summary>
/// A v2 magnet link (urn:btmh) in the engine: the metadata (checked against the truncated SHA-256 info-hash), then the
/// piece layers with BEP 52 hash requests (each answer proven against its file's root), then the data. A peer whose
/// hashes do not prove is banned.
/// </summary>
public sealed class V2MagnetTests
{
    private static readonly EngineSettings Settings = new() { ListenAddress = IPAddress.Loopback, AllowLoopbackPeers = true, RandomSeed = 7 };
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly FakeTimeProvider _time = new();

    private async Task<bool> RunUntilAsync(Task task, TimeSpan simulated)
    {
        var end = _time.GetUtcNow() + simulated;
        while (!task.IsCompleted && _time.GetUtcNow() < end)
        {
            _time.Advance(TimeSpan.FromMilliseconds(50));
            await Task.Delay(1, Ct);
        }
        return task.IsCompleted;
    }

    [Fact]
    public async Task A_v2_magnet_gets_the_metadata_then_the_piece_layers_by_hash_requests_then_the_data()
    {
        using var dir = new TempDirectory("v2-magnet");
        var (torrent, space) = await V2SwarmTests.MakeAsync(dir, TorrentFormat.V2);
        var network = new InMemoryNetwork();
        await using var seeder = ClientEngine.Start(Settings, network.NewHost(), _time);
        seeder.AddTorrent(torrent.Info, MemoryStorage.CreateSeeded(torrent.Info, space));
        await using var leecher = ClientEngine.Start(Settings with { RandomSeed = 8 }, network.NewHost(), _time);
        var session = leecher.AddMagnet(torrent.InfoHashes.V2Truncated!.Value, v2Only: true);
        session.AddPeers([seeder.ListenEndPoint], PeerSource.Manual);

        Assert.True(await RunUntilAsync(session.MetadataReceived, TimeSpan.FromMinutes(1)), "no metadata and layers in a simulated minute");
        var info = await session.MetadataReceived;
        Assert.False(info.HasV1);
        Assert.True(info.HasAllPieceHashes); // one.bin's layer came from the seeder's 'hashes'
        Assert.Equal(torrent.PieceLayers!.ForFile(0).ToArray(), info.PieceLayers!.ForFile(0).ToArray());
        var storage = new MemoryStorage(info);
        Assert.True(session.AttachStorage(storage));
        Assert.True(await RunUntilAsync(session.Completion, TimeSpan.FromMinutes(1)), "no data in a simulated minute");
        Assert.Equal(space, SwarmTestData.ReadAll(storage));
    }

    [Fact]
    public async Task A_v2_torrent_without_piece_layers_fetches_them_from_peers_then_downloads()
    {
        using var dir = new TempDirectory("v2-magnet");
        var (torrent, space) = await V2SwarmTests.MakeAsync(dir, TorrentFormat.V2);
        var network = new InMemoryNetwork();
        await using var seeder = ClientEngine.Start(Settings, network.NewHost(), _time);
        seeder.AddTorrent(torrent.Info, MemoryStorage.CreateSeeded(torrent.Info, space));
        // The same info dictionary without the .torrent's 'piece layers' (as some tools write it).
        var bare = TorrentInfo.Parse(torrent.Info.RawInfo);
        Assert.False(bare.HasAllPieceHashes);
        await using var leecher = ClientEngine.Start(Settings with { RandomSeed = 9 }, network.NewHost(), _time);
        var storage = new MemoryStorage(bare);
        var session = leecher.AddTorrent(bare, storage);
        Assert.Null(session.Storage); // nothing can be verified before the layers are in
        session.AddPeers([seeder.ListenEndPoint], PeerSource.Manual);

        Assert.True(await RunUntilAsync(session.Completion, TimeSpan.FromMinutes(1)), "not done in a simulated minute");
        Assert.True(bare.HasAllPieceHashes);
        Assert.Equal(torrent.PieceLayers!.ForFile(0).ToArray(), bare.PieceLayers!.ForFile(0).ToArray());
        Assert.Same(storage, session.Storage);
        Assert.Equal(space, SwarmTestData.ReadAll(storage));
        Assert.Equal(0, session.GetStatus().HashFailures);
    }

    [Fact]
    public async Task A_peer_whose_hashes_do_not_prove_is_banned_and_the_layers_come_from_an_honest_one()
    {
        using var dir = new TempDirectory("v2-magnet");
        var (torrent, space) = await V2SwarmTests.MakeAsync(dir, TorrentFormat.V2);
        var wireHash = torrent.InfoHashes.V2Truncated!.Value;
        var network = new InMemoryNetwork();
        int lies = 0;
        await using var liar = FakeMetadataPeer.Honest(network, wireHash, torrent.Info.RawInfo.ToArray());
        liar.ClaimsEverything = true;
        liar.AnswerOther = (id, payload) =>
        {
            if (id != MessageId.HashRequest) return null;
            var request = HashRequest.Read(payload);
            var garbage = new byte[request.AnswerHashCount * Merkle.HashSize];
            Array.Fill(garbage, (byte)0x42);
            var answer = new byte[5 + HashRequest.EncodedLength + garbage.Length];
            MessageWriter.WriteHashes(answer, request, garbage);
            Interlocked.Increment(ref lies);
            return answer;
        };
        await using var leecher = ClientEngine.Start(Settings with { RandomSeed = 8 }, network.NewHost(), _time);
        var session = leecher.AddMagnet(wireHash, v2Only: true);
        session.AddPeers([liar.EndPoint], PeerSource.Manual);

        var banned = Task.Run(async () => { while (session.KnownPeers.Any(p => p.EndPoint.Equals(liar.EndPoint)) || Volatile.Read(ref lies) == 0) await Task.Delay(5, Ct); }, Ct);
        Assert.True(await RunUntilAsync(banned, TimeSpan.FromMinutes(1)), "the liar was not banned");
        Assert.False(session.MetadataReceived.IsCompleted); // the metadata alone is not enough: no layer, no verification

        await using var seeder = ClientEngine.Start(Settings, network.NewHost(), _time);
        seeder.AddTorrent(torrent.Info, MemoryStorage.CreateSeeded(torrent.Info, space));
        session.AddPeers([seeder.ListenEndPoint], PeerSource.Manual);
        Assert.True(await RunUntilAsync(session.MetadataReceived, TimeSpan.FromMinutes(1)), "no layers from the honest seeder");
        Assert.True((await session.MetadataReceived).HasAllPieceHashes);
    }
}
