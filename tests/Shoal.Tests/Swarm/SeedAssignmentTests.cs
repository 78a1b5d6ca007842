using System.Net;
using Shoal.Storage;
using Shoal.Swarm;
using Shoal.Wire;

namespace Shoal.Tests.Swarm;

/// <summary>A seed does not send one piece to two peers at once: the second is refused and pointed at another piece.</summary>
public sealed class SeedAssignmentTests
{
    private static readonly byte[] Content = SwarmTestData.RandomBytes(40 * 16 * 1024, seed: 31);
    private static readonly Shoal.Metainfo.TorrentInfo Info = SwarmTestData.SingleFile(Content, pieceLength: 16 * 1024);

    private static async Task<ScriptedPeer> LeecherAsync(ClientEngine seed, CancellationToken ct)
    {
        var peer = await ScriptedPeer.ConnectAsync(seed.ListenEndPoint, ct);
        await peer.SendHandshakeAsync(Info.InfoHash);
        await peer.ReceiveHandshakeAsync(ct);
        await peer.SendAsync(b => MessageWriter.WriteSimple(b, MessageId.HaveNone));
        await peer.SendAsync(b => MessageWriter.WriteSimple(b, MessageId.Interested));
        Assert.NotNull(await peer.ReceiveUntilAsync(MessageId.Unchoke, ct));
        return peer;
    }

    [Fact]
    public async Task Second_request_for_a_piece_in_flight_is_refused_with_a_suggestion_and_served_when_repeated()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var engine = await ClientEngine.StartAsync(new EngineSettings { ListenAddress = IPAddress.Loopback });
        engine.AddTorrent(Info, MemoryStorage.CreateSeeded(Info, Content));
        await using var first = await LeecherAsync(engine, ct);
        await using var second = await LeecherAsync(engine, ct);

        await first.SendAsync(b => MessageWriter.WriteRequest(b, MessageId.Request, 7, 0, 16384));
        var block = await first.ReceiveUntilAsync(MessageId.Piece, ct);
        Assert.Equal(7, block!.Value.Index);

        await second.SendAsync(b => MessageWriter.WriteRequest(b, MessageId.Request, 7, 0, 16384));
        var reject = await second.ReceiveUntilAsync(MessageId.RejectRequest, ct);
        Assert.Equal(7, reject!.Value.Index);
        var suggestion = await second.ReceiveUntilAsync(MessageId.SuggestPiece, ct);
        Assert.NotEqual(7, suggestion!.Value.Index);

        // Asking again means the peer really wants it from us: it is served, never refused forever.
        await second.SendAsync(b => MessageWriter.WriteRequest(b, MessageId.Request, 7, 0, 16384));
        var served = await second.ReceiveUntilAsync(MessageId.Piece, ct);
        Assert.Equal(7, served!.Value.Index);
        Assert.Equal(Content.AsSpan(7 * 16384, 16384).ToArray(), served.Value.Payload);
    }

    [Fact]
    public async Task A_leecher_follows_a_seeds_suggestion()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var leechEngine = await ClientEngine.StartAsync(new EngineSettings { ListenAddress = IPAddress.Loopback });
        var leecher = leechEngine.AddTorrent(Info, new MemoryStorage(Info));
        using var listener = new ScriptedPeer.Listener();
        leecher.AddPeers([listener.EndPoint], PeerSource.Manual);
        await using var seed = await listener.AcceptAsync(ct);
        await seed.ReceiveHandshakeAsync(ct);
        await seed.SendHandshakeAsync(Info.InfoHash);
        await seed.SendAsync(b => MessageWriter.WriteSimple(b, MessageId.HaveAll));
        await seed.SendAsync(b => MessageWriter.WriteIndexMessage(b, MessageId.SuggestPiece, 33));
        await seed.SendAsync(b => MessageWriter.WriteSimple(b, MessageId.Unchoke));
        var request = await seed.ReceiveUntilAsync(MessageId.Request, ct);
        Assert.Equal(33, request!.Value.Index);
    }
}
