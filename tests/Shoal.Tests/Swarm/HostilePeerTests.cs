using System.Net;
using Shoal.Storage;
using Shoal.Swarm;
using Shoal.Wire;

namespace Shoal.Tests.Swarm;

/// <summary>Peers that break the protocol are disconnected and cannot hurt the torrent.</summary>
[Trait("Category", "Hostile")]
public class HostilePeerTests
{
    private static readonly byte[] Content = SwarmTestData.RandomBytes(512 * 1024, seed: 11);
    private static readonly Shoal.Metainfo.TorrentInfo Info = SwarmTestData.SingleFile(Content);

    private static async Task<(ClientEngine Engine, TorrentSession Session, MemoryStorage Storage)> StartSeederAsync(EngineSettings? settings = null)
    {
        var engine = await ClientEngine.StartAsync(settings ?? new EngineSettings { ListenAddress = IPAddress.Loopback });
        var storage = MemoryStorage.CreateSeeded(Info, Content);
        return (engine, engine.AddTorrent(Info, storage), storage);
    }

    private static async Task<ScriptedPeer> ConnectedPeerAsync(ClientEngine engine, CancellationToken ct)
    {
        var peer = await ScriptedPeer.ConnectAsync(engine.ListenEndPoint, ct);
        await peer.SendHandshakeAsync(Info.InfoHash);
        await peer.ReceiveHandshakeAsync(ct);
        return peer;
    }

    /// <summary>Runs a seeder, lets a peer misbehave against it, and expects the seeder to hang up.</summary>
    private static async Task ExpectDisconnectAsync(Func<ScriptedPeer, CancellationToken, Task> misbehave, EngineSettings? settings = null,
        bool handshake = true, bool unchoked = false)
    {
        var ct = TestContext.Current.CancellationToken;
        var (engine, _, _) = await StartSeederAsync(settings);
        await using var _e = engine;
        await using var peer = handshake ? await ConnectedPeerAsync(engine, ct) : await ScriptedPeer.ConnectAsync(engine.ListenEndPoint, ct);
        if (unchoked)
        {
            await peer.SendAsync(b => MessageWriter.WriteSimple(b, MessageId.Interested));
            Assert.NotNull(await peer.ReceiveUntilAsync(MessageId.Unchoke, ct));
        }
        await misbehave(peer, ct);
        Assert.True(await peer.WaitClosedAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public Task Oversized_length_prefix_disconnects() =>
        ExpectDisconnectAsync((peer, _) => peer.SendAsync(ScriptedPeer.Length(0x7FFFFFFF)));

    [Fact]
    public Task Unknown_message_id_disconnects() =>
        ExpectDisconnectAsync((peer, _) => peer.SendAsync([0, 0, 0, 1, 77]));

    [Fact]
    public Task Request_outside_the_torrent_disconnects() =>
        ExpectDisconnectAsync((peer, _) => peer.SendAsync(b => MessageWriter.WriteRequest(b, MessageId.Request, Info.PieceCount + 5, 0, 16384)),
            unchoked: true);

    [Fact]
    public Task Oversized_block_request_disconnects() =>
        ExpectDisconnectAsync((peer, _) => peer.SendAsync(b => MessageWriter.WriteRequest(b, MessageId.Request, 0, 0, 1 << 20)), unchoked: true);

    [Fact]
    public Task Request_flood_is_rejected_then_disconnected() =>
        ExpectDisconnectAsync((peer, _) =>
        {
            // Far more requests than the reqq we advertised, all at once.
            var flood = new byte[17 * 200];
            for (int i = 0; i < 200; i++)
                MessageWriter.WriteRequest(flood.AsSpan(i * 17), MessageId.Request, i % Info.PieceCount, 0, 16384);
            return peer.SendAsync(flood);
        }, new EngineSettings { ListenAddress = IPAddress.Loopback, MaxQueuedRequestsFromPeer = 8, UploadRateLimit = 16 * 1024 }, unchoked: true);

    [Fact]
    public Task Slow_loris_handshake_is_cut_off() =>
        ExpectDisconnectAsync((peer, _) => peer.SendAsync("\u0013BitTor"u8.ToArray()),
            new EngineSettings { ListenAddress = IPAddress.Loopback, HandshakeTimeout = TimeSpan.FromMilliseconds(500) }, handshake: false);

    [Fact]
    public Task Handshake_for_an_unknown_torrent_is_refused() =>
        ExpectDisconnectAsync((peer, _) => peer.SendHandshakeAsync(Shoal.Metainfo.InfoHash.Parse(new string('b', 40))), handshake: false);

    [Fact]
    public Task Bitfield_with_spare_bits_set_disconnects() =>
        ExpectDisconnectAsync((peer, _) =>
        {
            var bits = new byte[(Info.PieceCount + 7) / 8];
            Array.Fill(bits, (byte)0xFF);
            return peer.SendAsync(b => MessageWriter.WriteBitfield(b, bits));
        });

    [Fact]
    public async Task Corrupt_seeder_is_banned_and_download_completes_from_the_honest_one()
    {
        var ct = TestContext.Current.CancellationToken;
        var (honestEngine, _, _) = await StartSeederAsync();
        await using var _h = honestEngine;
        await using var leecherEngine = await ClientEngine.StartAsync(new EngineSettings { ListenAddress = IPAddress.Loopback });
        var storage = new MemoryStorage(Info);
        var leecher = leecherEngine.AddTorrent(Info, storage);

        // The liar has a loopback address of its own: its ban covers its address, and the honest seeder is on 127.0.0.1.
        using var listener = new ScriptedPeer.Listener(IPAddress.Parse("127.0.0.66"));
        leecher.AddPeers([listener.EndPoint], PeerSource.Manual);
        await using var liar = await listener.AcceptAsync(ct);
        await liar.ReceiveHandshakeAsync(ct);
        await liar.SendHandshakeAsync(Info.InfoHash);
        await liar.SendAsync(b => MessageWriter.WriteSimple(b, MessageId.HaveAll));
        await liar.SendAsync(b => MessageWriter.WriteSimple(b, MessageId.Unchoke));
        // Answer every request with garbage until the leecher hangs up on us.
        int served = 0;
        while (await liar.ReceiveAsync(ct) is { } m)
        {
            if (m.Id != MessageId.Request) continue;
            var garbage = new byte[m.Length];
            Array.Fill(garbage, (byte)0xEE);
            try
            {
                await liar.SendAsync(b => { int n = MessageWriter.WritePieceHeader(b, m.Index, m.Begin, m.Length); garbage.CopyTo(b, n); return n + m.Length; });
            }
            catch (IOException) { break; }
            served++;
        }
        Assert.True(served > 0);
        var status = leecher.GetStatus();
        Assert.True(status.HashFailures >= 2);
        Assert.False(storage.Verified[0] && SwarmTestData.ReadAll(storage).AsSpan(0, 16).SequenceEqual(new byte[16].Select(_ => (byte)0xEE).ToArray()));

        leecher.AddPeers([honestEngine.ListenEndPoint], PeerSource.Manual);
        await leecher.Completion.WaitAsync(TimeSpan.FromSeconds(30), ct);
        Assert.Equal(Content, SwarmTestData.ReadAll(storage));
        // The liar's address stays banned (every port of it): it is never dialled again.
        leecher.AddPeers([listener.EndPoint, new IPEndPoint(listener.EndPoint.Address, listener.EndPoint.Port + 1)], PeerSource.Manual);
        Assert.DoesNotContain(leecher.GetStatus().Peers, p => p.EndPoint.Address.Equals(listener.EndPoint.Address));
        Assert.DoesNotContain(leecher.KnownPeers, p => p.EndPoint.Address.Equals(listener.EndPoint.Address));
        Assert.Contains(listener.EndPoint.Address, leecher.BannedAddresses);
    }
}
