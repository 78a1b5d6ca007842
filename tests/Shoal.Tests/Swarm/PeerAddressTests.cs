using System.Net;
using Shoal.Swarm;
using Shoal.Wire;

namespace Shoal.Tests.Swarm;

/// <summary>
/// Issue 10, items 3 and 7: what peers tell us about addresses. Repeated extension handshakes cannot fill the peer book;
/// addresses on this machine's loopback, heard from the network, are dialled only when we ourselves listen on loopback
/// (or the one telling us is on this machine too); addresses the user gives are always dialled.
/// </summary>
[Trait("Category", "Hostile")]
public sealed class PeerAddressTests
{
    private static readonly byte[] Content = SwarmTestData.RandomBytes(8 * 16 * 1024, seed: 91);
    private static readonly Shoal.Metainfo.TorrentInfo Info = SwarmTestData.SingleFile(Content, pieceLength: 16 * 1024);

    private static byte[] ExtendedHandshake(int listenPort, bool pex = false)
    {
        var handshake = new ExtensionHandshake { ListenPort = listenPort, ClientName = "t" };
        if (pex) handshake.Extensions[PexMessage.ExtensionName] = 9;
        var buffer = new byte[1024];
        return buffer[..MessageWriter.WriteExtended(buffer, 0, handshake.Encode())];
    }

    [Fact]
    public async Task Repeated_extension_handshakes_do_not_grow_the_peer_book()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var rig = new SwarmRig(new EngineSettings { RandomSeed = 1 }, Info, Content, seed: true);
        await using var peer = await rig.IncomingAsync(ReservedBits.Shoal, ct);
        for (int i = 0; i < 2000; i++) await peer.SendAsync(ExtendedHandshake(10_000 + i));
        await rig.WaitUntilAsync(() => rig.Session.GetStatus().Peers is [{ Client: "t" }], ct);
        await Task.Delay(200, ct);
        var status = rig.Session.GetStatus();
        Assert.Equal(1, status.KnownPeers); // only the port of the first handshake
        Assert.Equal(10_000, status.Peers.Single().EndPoint.Port);

        // Once it leaves, its address is no longer marked connected: it may be dialled again.
        await peer.DisposeAsync();
        await rig.WaitUntilAsync(() => rig.Session.GetStatus().Peers.Count == 0, ct);
        Assert.Contains(rig.Session.KnownPeers, p => p.EndPoint.Port == 10_000);
    }

    [Theory]
    [InlineData(PeerSource.Tracker)]
    [InlineData(PeerSource.PeerExchange)]
    [InlineData(PeerSource.LocalDiscovery)]
    public async Task Loopback_addresses_from_the_network_are_not_dialled_when_we_listen_on_every_interface(PeerSource source)
    {
        await using var rig = new SwarmRig(new EngineSettings { RandomSeed = 1, ListenAddress = IPAddress.IPv6Any }, Info, Content, seed: false);
        rig.Session.AddPeers([new IPEndPoint(IPAddress.Loopback, 6881), new IPEndPoint(IPAddress.Parse("127.1.2.3"), 6882),
            new IPEndPoint(IPAddress.IPv6Loopback, 6883), new IPEndPoint(IPAddress.Parse("::ffff:127.0.0.1"), 6884),
            new IPEndPoint(IPAddress.Parse("10.1.1.1"), 6885)], source);
        Assert.Equal(new[] { 6885 }, rig.Session.KnownPeers.Select(p => p.EndPoint.Port));
    }

    [Fact]
    public async Task Loopback_addresses_are_dialled_when_the_user_gives_them_or_we_listen_on_loopback_or_a_local_tracker_gives_them()
    {
        await using (var anyRig = new SwarmRig(new EngineSettings { RandomSeed = 1, ListenAddress = IPAddress.Any }, Info, Content, seed: false))
        {
            anyRig.Session.AddPeers([new IPEndPoint(IPAddress.Loopback, 6881)], PeerSource.Manual);
            anyRig.Session.AddPeers([new IPEndPoint(IPAddress.Loopback, 6882)], PeerSource.Tracker, reportedBy: IPAddress.Loopback);
            anyRig.Session.AddPeers([new IPEndPoint(IPAddress.Loopback, 6883)], PeerSource.Tracker, reportedBy: IPAddress.Parse("192.0.2.7"));
            Assert.Equal(new[] { 6881, 6882 }, anyRig.Session.KnownPeers.Select(p => p.EndPoint.Port).Order());
        }
        await using var loopbackRig = new SwarmRig(new EngineSettings { RandomSeed = 1, ListenAddress = IPAddress.Loopback }, Info, Content, seed: false);
        loopbackRig.Session.AddPeers([new IPEndPoint(IPAddress.Parse("127.0.0.9"), 6881)], PeerSource.Tracker);
        Assert.Single(loopbackRig.Session.KnownPeers);
    }

    [Fact]
    public async Task A_remote_peer_cannot_make_us_dial_our_own_loopback_through_PEX()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var rig = new SwarmRig(new EngineSettings { RandomSeed = 1 }, Info, Content, seed: false);
        await using var peer = await rig.IncomingAsync(ReservedBits.Shoal, ct);
        await peer.SendAsync(ExtendedHandshake(7000, pex: true));
        // Learn the id the engine wants ut_pex messages under, then tell it about loopback addresses and one real one.
        byte id = 0;
        while (id == 0 && await peer.ReceiveExtendedAsync(ct) is { } m)
            if (m.ExtendedId == 0) id = ExtensionHandshake.Parse(m.Payload).Extensions.GetValueOrDefault(PexMessage.ExtensionName);
        Assert.NotEqual(0, id);
        var pex = new PexMessage([new PexPeer(new IPEndPoint(IPAddress.Loopback, 22)), new PexPeer(new IPEndPoint(IPAddress.Parse("10.3.3.3"), 6881))]).Encode();
        await peer.SendAsync(b => MessageWriter.WriteExtended(b, id, pex));
        await rig.WaitUntilAsync(() => rig.Session.KnownPeers.Any(p => p.EndPoint.Port == 6881), ct);
        Assert.DoesNotContain(rig.Session.KnownPeers, p => IPAddress.IsLoopback(p.EndPoint.Address));
    }
}
