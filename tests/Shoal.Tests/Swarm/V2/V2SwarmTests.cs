using System.Net;
using Microsoft.Extensions.Time.Testing;
using Shoal.Metainfo;
using Shoal.Storage;
using Shoal.Swarm;
using Shoal.Tests.Support;
using Shoal.Wire;

namespace Shoal.Tests.Swarm.V2;

/// <summary>
/// v2-only and hybrid torrents (BEP 52) in the engine: pieces verified against merkle roots (and SHA-1 too for a hybrid),
/// handshakes with the truncated v2 info-hash, a hybrid found by either hash, and a peer sending bad v2 data banned.
/// </summary>
public sealed class V2SwarmTests
{
    private static readonly EngineSettings Settings = new() { ListenAddress = IPAddress.Loopback, AllowLoopbackPeers = true, RandomSeed = 5 };
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly FakeTimeProvider _time = new();

    /// <summary>A folder of three files (one shorter than a piece, one empty) made into a torrent of <paramref name="format"/>,
    /// and its piece space: the files with the zeros of their padding.</summary>
    internal static async Task<(Torrent Torrent, byte[] PieceSpace)> MakeAsync(TempDirectory dir, TorrentFormat format, int pieceLength = 16 * 1024)
    {
        dir.WriteRandomFile("album/one.bin", 150_003, seed: 1);
        dir.WriteRandomFile("album/sub/two.bin", 40_001, seed: 2);
        dir.WriteRandomFile("album/empty", 0, seed: 3);
        dir.WriteRandomFile("album/three.bin", 5, seed: 4);
        var torrent = await new TorrentBuilder { PieceLength = pieceLength, Format = format }.BuildAsync(dir.Combine("album"), cancellationToken: Ct);
        var space = new MemoryStream();
        foreach (var file in torrent.Info.Files)
        {
            if (file.IsPadding) space.Write(new byte[file.Length]);
            else space.Write(File.ReadAllBytes(dir.Combine(["album", .. file.PathSegments])));
        }
        Assert.Equal(torrent.Info.TotalLength, space.Length);
        return (torrent, space.ToArray());
    }

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

    [Theory]
    [InlineData(TorrentFormat.V2)]
    [InlineData(TorrentFormat.Hybrid)]
    public async Task A_v2_or_hybrid_torrent_downloads_between_two_engines(TorrentFormat format)
    {
        using var dir = new TempDirectory("v2-swarm");
        var (torrent, space) = await MakeAsync(dir, format);
        var info = torrent.Info;
        var network = new InMemoryNetwork();
        await using var seeder = ClientEngine.Start(Settings, network.NewHost(), _time);
        seeder.AddTorrent(info, MemoryStorage.CreateSeeded(info, space));
        await using var leecher = ClientEngine.Start(Settings with { RandomSeed = 6 }, network.NewHost(), _time);
        var storage = new MemoryStorage(info);
        var session = leecher.AddTorrent(info, storage);
        session.AddPeers([seeder.ListenEndPoint], PeerSource.Manual);

        Assert.True(await RunUntilAsync(session.Completion, TimeSpan.FromMinutes(2)), "not done in 2 simulated minutes");
        Assert.Equal(space, SwarmTestData.ReadAll(storage));
        // Progress counts the files' bytes, not the padding in the piece space: done is exactly the files' size.
        var status = session.GetStatus();
        long files = info.Files.Where(f => !f.IsPadding).Sum(f => f.Length);
        Assert.True(files < info.TotalLength);
        Assert.Equal((files, files, 1.0), (status.TotalBytes, status.VerifiedBytes, status.Progress));
        Assert.Equal(0, session.Left);
        // A v2-only torrent is known on the wire by its truncated v2 hash; a hybrid by its v1 hash.
        Assert.Equal(format == TorrentFormat.V2 ? info.InfoHashes.V2Truncated : info.InfoHashes.V1, session.InfoHash);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_hybrid_answers_a_handshake_with_either_of_its_hashes(bool v2Swarm)
    {
        using var dir = new TempDirectory("v2-swarm");
        var (torrent, space) = await MakeAsync(dir, TorrentFormat.Hybrid);
        var info = torrent.Info;
        await using var engine = await ClientEngine.StartAsync(Settings);
        engine.AddTorrent(info, MemoryStorage.CreateSeeded(info, space));
        var asked = v2Swarm ? info.InfoHashes.V2Truncated!.Value : info.InfoHashes.V1!.Value;
        Assert.True(((Shoal.Transport.IInfoHashLookup)engine).Contains(asked));
        Assert.Single(engine.Torrents);

        await using var peer = await ScriptedPeer.ConnectAsync(engine.ListenEndPoint, Ct);
        await peer.SendHandshakeAsync(asked);
        var answer = await peer.ReceiveHandshakeAsync(Ct);
        Assert.Equal(asked, answer.InfoHash);
        // The torrent is one inside: the peer sees its pieces whichever swarm it joined.
        Assert.NotNull(await peer.ReceiveUntilAsync(MessageId.HaveAll, Ct));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_hybrid_computes_each_peers_allowed_fast_set_from_the_hash_its_handshake_used(bool v2Swarm)
    {
        using var dir = new TempDirectory("v2-swarm");
        var (torrent, space) = await MakeAsync(dir, TorrentFormat.Hybrid);
        var info = torrent.Info;
        await using var engine = await ClientEngine.StartAsync(Settings);
        engine.AddTorrent(info, MemoryStorage.CreateSeeded(info, space));
        var (asked, other) = v2Swarm ? (info.InfoHashes.V2Truncated!.Value, info.InfoHashes.V1!.Value) : (info.InfoHashes.V1!.Value, info.InfoHashes.V2Truncated!.Value);

        await using var peer = await ScriptedPeer.ConnectAsync(engine.ListenEndPoint, Ct);
        await peer.SendHandshakeAsync(asked, v2Swarm ? ReservedBits.Shoal.WithV2() : ReservedBits.Shoal);
        Assert.Equal(asked, (await peer.ReceiveHandshakeAsync(Ct)).InfoHash);
        var expected = AllowedFastSet.Compute(IPAddress.Loopback, asked, info.PieceCount);
        // The two hashes give two different sets here, so the test tells them apart.
        Assert.NotEqual(expected.Order(), AllowedFastSet.Compute(IPAddress.Loopback, other, info.PieceCount).Order());
        Assert.Equal(expected.Order(), (await ReceiveAllowedFastAsync(peer, expected.Length, Ct)).Order());
    }

    /// <summary>The first <paramref name="count"/> allowed-fast pieces the engine sends (other messages skipped).</summary>
    internal static async Task<List<int>> ReceiveAllowedFastAsync(ScriptedPeer peer, int count, CancellationToken ct)
    {
        var pieces = new List<int>();
        while (pieces.Count < count)
        {
            var message = await peer.ReceiveUntilAsync(MessageId.AllowedFast, ct);
            Assert.True(message is not null, $"the connection closed after {pieces.Count} allowed-fast messages");
            pieces.Add(message.Value.Index);
        }
        return pieces;
    }

    [Fact]
    public async Task A_peer_sending_bad_v2_data_is_banned_and_the_download_completes()
    {
        using var dir = new TempDirectory("v2-swarm");
        var (torrent, space) = await MakeAsync(dir, TorrentFormat.V2);
        var info = torrent.Info;
        await using var honest = await ClientEngine.StartAsync(Settings);
        honest.AddTorrent(info, MemoryStorage.CreateSeeded(info, space));
        await using var leecherEngine = await ClientEngine.StartAsync(Settings);
        var storage = new MemoryStorage(info);
        var leecher = leecherEngine.AddTorrent(info, storage);

        // The liar has a loopback address of its own: a ban covers the address, and the honest seeder is on 127.0.0.1.
        using var listener = new ScriptedPeer.Listener(System.Net.IPAddress.Parse("127.0.0.66"));
        leecher.AddPeers([listener.EndPoint], PeerSource.Manual);
        await using var liar = await listener.AcceptAsync(Ct);
        Assert.Equal(info.InfoHashes.V2Truncated, (await liar.ReceiveHandshakeAsync(Ct)).InfoHash);
        await liar.SendHandshakeAsync(info.InfoHash);
        await liar.SendAsync(b => MessageWriter.WriteSimple(b, MessageId.HaveAll));
        await liar.SendAsync(b => MessageWriter.WriteSimple(b, MessageId.Unchoke));
        int served = 0;
        while (await liar.ReceiveAsync(Ct) is { } m)
        {
            if (m.Id != MessageId.Request) continue;
            // The right bytes but one flipped: only the merkle check can tell.
            var block = space.AsSpan(m.Index * info.PieceLength + m.Begin, m.Length).ToArray();
            block[^1] ^= 0x5A;
            try
            {
                await liar.SendAsync(b => { int n = MessageWriter.WritePieceHeader(b, m.Index, m.Begin, m.Length); block.CopyTo(b, n); return n + m.Length; });
            }
            catch (IOException) { break; }
            served++;
        }
        Assert.True(served > 0);
        Assert.True(leecher.GetStatus().HashFailures >= 1);
        Assert.Equal(0, storage.Verified.SetCount);

        leecher.AddPeers([honest.ListenEndPoint], PeerSource.Manual);
        await leecher.Completion.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(space, SwarmTestData.ReadAll(storage));
        leecher.AddPeers([listener.EndPoint], PeerSource.Manual);
        Assert.DoesNotContain(leecher.GetStatus().Peers, p => p.EndPoint.Equals(listener.EndPoint));
    }
}
