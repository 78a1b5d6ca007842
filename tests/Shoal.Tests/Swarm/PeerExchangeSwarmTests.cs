using System.Net;
using Shoal.Client;
using Shoal.Metainfo;
using Shoal.Storage;
using Shoal.Swarm;
using Shoal.Tests.Swarm;
using Shoal.Wire;

namespace Shoal.Tests.Swarm;

/// <summary>PEX between Shoal peers over loopback.</summary>
public class PeerExchangeSwarmTests
{
    private static ClientOptions Options(bool pex = true, long downloadLimit = 0) => new()
    {
        Engine = new EngineSettings { ListenAddress = IPAddress.Loopback, DownloadRateLimit = downloadLimit },
        EnablePex = pex,
    };

    [Fact]
    public async Task A_leecher_that_knows_only_the_middle_peer_finds_the_seeder_through_PEX()
    {
        var ct = TestContext.Current.CancellationToken;
        var content = SwarmTestData.RandomBytes(4 * 1024 * 1024, seed: 21);
        var info = SwarmTestData.SingleFile(content);

        // A seeds (without PEX, so it never dials C itself); B sits between, fetching so slowly it can hardly help C.
        await using var a = await ShoalClient.StartAsync(Options(pex: false));
        a.Add(info, [], MemoryStorage.CreateSeeded(info, content));
        await using var b = await ShoalClient.StartAsync(Options(downloadLimit: 32 * 1024));
        var middle = b.Add(info, [], new MemoryStorage(info));
        middle.AddPeers([a.Engine.ListenEndPoint]);
        await MetadataExchangeTests.WaitUntilAsync(() => middle.Status.Peers.Count == 1, ct);

        await using var c = await ShoalClient.StartAsync(Options(downloadLimit: 2 * 1024 * 1024));
        var leechStorage = new MemoryStorage(info);
        var leecher = c.Add(info, [], leechStorage);
        leecher.AddPeers([b.Engine.ListenEndPoint]);

        PeerStatus? seenA = null;
        var deadline = DateTime.UtcNow.AddSeconds(25);
        while (!leecher.Completion.IsCompleted && DateTime.UtcNow < deadline)
        {
            seenA ??= leecher.Status.Peers.FirstOrDefault(p => p.EndPoint.Equals(a.Engine.ListenEndPoint));
            await Task.Delay(20, ct);
        }
        await leecher.Completion.WaitAsync(TimeSpan.FromSeconds(1), ct);
        Assert.Equal(content, SwarmTestData.ReadAll(leechStorage));
        Assert.NotNull(seenA);
        Assert.Equal(PeerSource.PeerExchange, seenA.Source);
        Assert.False(seenA.Incoming);
        Assert.True(middle.Status.VerifiedBytes < content.Length / 2, "the middle peer should not have been able to serve everything");
    }

    [Fact]
    public async Task Public_torrents_advertise_ut_pex_and_private_ones_do_not()
    {
        var ct = TestContext.Current.CancellationToken;
        var content = SwarmTestData.RandomBytes(100_000, seed: 3);
        var publicInfo = SwarmTestData.SingleFile(content);
        var privateInfo = PrivateSingleFile(content);
        await using var client = await ShoalClient.StartAsync(Options());
        client.Add(publicInfo, [], MemoryStorage.CreateSeeded(publicInfo, content));
        client.Add(privateInfo, [], MemoryStorage.CreateSeeded(privateInfo, content));

        Assert.True((await HandshakeOf(client, publicInfo, ct)).Extensions.ContainsKey(PexMessage.ExtensionName));
        var privateHandshake = await HandshakeOf(client, privateInfo, ct);
        Assert.False(privateHandshake.Extensions.ContainsKey(PexMessage.ExtensionName));
        Assert.True(privateHandshake.Extensions.ContainsKey(MetadataMessage.ExtensionName));
    }

    [Fact]
    public async Task A_connected_peer_receives_the_other_peers_and_a_PEX_flood_gets_it_disconnected()
    {
        var ct = TestContext.Current.CancellationToken;
        var content = SwarmTestData.RandomBytes(2_000_000, seed: 4);
        var info = SwarmTestData.SingleFile(content);
        await using var hub = await ShoalClient.StartAsync(Options());
        var torrent = hub.Add(info, [], MemoryStorage.CreateSeeded(info, content));
        await using var other = await ShoalClient.StartAsync(Options(downloadLimit: 16 * 1024)); // stays a leecher for the test
        other.Add(info, [], new MemoryStorage(info)).AddPeers([hub.Engine.ListenEndPoint]);
        await MetadataExchangeTests.WaitUntilAsync(() => torrent.Status.Peers.Count == 1, ct);

        await using var peer = await ScriptedPeer.ConnectAsync(hub.Engine.ListenEndPoint, ct);
        await peer.SendHandshakeAsync(info.InfoHash);
        await peer.ReceiveHandshakeAsync(ct);
        var theirs = await ReceiveHandshakeAsync(peer, ct);
        byte pexId = theirs.Extensions[PexMessage.ExtensionName];
        var ours = new ExtensionHandshake { ListenPort = 9 };
        ours.Extensions[PexMessage.ExtensionName] = 5;
        await peer.SendAsync(b => MessageWriter.WriteExtended(b, 0, ours.Encode()));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        PexMessage? received = null;
        while (received is null && await peer.ReceiveExtendedAsync(timeout.Token) is { } m)
            if (m.ExtendedId == 5) received = PexMessage.Parse(m.Payload);
        Assert.NotNull(received);
        var added = Assert.Single(received.Added);
        Assert.Equal(other.Engine.ListenEndPoint, added.EndPoint);
        Assert.Equal(PexFlags.None, added.Flags & PexFlags.Seed); // the other peer is a leecher that dialled in

        var flood = new PexMessage([new PexPeer(IPEndPoint.Parse("127.0.0.1:1"))]).Encode();
        for (int i = 0; i <= PexPeerState.MaxViolations + 1; i++) await peer.SendAsync(b => MessageWriter.WriteExtended(b, pexId, flood));
        Assert.True(await peer.WaitClosedAsync(TimeSpan.FromSeconds(10)));
    }

    private static async Task<ExtensionHandshake> HandshakeOf(ShoalClient client, TorrentInfo info, CancellationToken ct)
    {
        await using var peer = await ScriptedPeer.ConnectAsync(client.Engine.ListenEndPoint, ct);
        await peer.SendHandshakeAsync(info.InfoHash);
        await peer.ReceiveHandshakeAsync(ct);
        return await ReceiveHandshakeAsync(peer, ct);
    }

    private static async Task<ExtensionHandshake> ReceiveHandshakeAsync(ScriptedPeer peer, CancellationToken ct)
    {
        while (await peer.ReceiveExtendedAsync(ct) is { } m)
            if (m.ExtendedId == 0) return ExtensionHandshake.Parse(m.Payload);
        throw new InvalidOperationException("closed before the extension handshake");
    }

    private static TorrentInfo PrivateSingleFile(byte[] content)
    {
        var open = SwarmTestData.SingleFile(content);
        return TorrentInfo.Create(open.Name, open.PieceLength, open.PieceHashes, [([open.Name], content.Length, false)], multiFile: false, isPrivate: true);
    }
}
