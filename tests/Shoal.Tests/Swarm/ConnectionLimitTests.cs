using System.Net;
using Shoal.Swarm;
using Shoal.Wire;

namespace Shoal.Tests.Swarm;

/// <summary>
/// Issue 10, item 4: connections cannot be exhausted. Incoming connections still handshaking are capped per address and
/// in total; one address cannot hold every slot of a torrent; a full torrent lets a newcomer replace a peer that has
/// been useless for a while.
/// </summary>
[Trait("Category", "Hostile")]
public sealed class ConnectionLimitTests
{
    private static readonly byte[] Content = SwarmTestData.RandomBytes(16 * 16 * 1024, seed: 71);
    private static readonly Shoal.Metainfo.TorrentInfo Info = SwarmTestData.SingleFile(Content, pieceLength: 16 * 1024);
    private static readonly ReservedBits Plain = new(ReservedBits.Shoal.Value & ~0x04UL);

    /// <summary>Opens connections that never send a byte; returns how many the engine closed within a few seconds.</summary>
    private static async Task<int> SilentConnectionsClosedAsync(SwarmRig rig, IEnumerable<IPAddress> from, CancellationToken ct)
    {
        var streams = from.Select(address => rig.Network.Connect(rig.Engine.ListenEndPoint, address)).ToList();
        try
        {
            var closed = streams.Select(async stream =>
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(3));
                try { return await stream.ReadAsync(new byte[1], timeout.Token) == 0; }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested) { return false; }
                catch (IOException) { return true; }
            });
            return (await Task.WhenAll(closed)).Count(c => c);
        }
        finally
        {
            foreach (var stream in streams) await stream.DisposeAsync();
        }
    }

    [Fact]
    public async Task Connections_that_never_handshake_are_capped_per_address()
    {
        var ct = TestContext.Current.CancellationToken;
        var settings = new EngineSettings { RandomSeed = 1 };
        await using var rig = new SwarmRig(settings, Info, Content, seed: true);
        var attacker = IPAddress.Parse("10.66.0.1");
        int closed = await SilentConnectionsClosedAsync(rig, Enumerable.Repeat(attacker, settings.MaxHandshakingPerAddress + 20), ct);
        // Fake time stands still: the handshake timeout never fires, so only the cap closes connections.
        Assert.Equal(20, closed);
        // Another address still gets in.
        await using var honest = await rig.IncomingAsync(Plain, ct);
    }

    [Fact]
    public async Task Connections_that_never_handshake_are_capped_in_total()
    {
        var ct = TestContext.Current.CancellationToken;
        var settings = new EngineSettings { RandomSeed = 1 };
        await using var rig = new SwarmRig(settings, Info, Content, seed: true);
        var addresses = Enumerable.Range(0, settings.MaxHandshakingConnections + 30).Select(i => IPAddress.Parse($"10.67.{i / 250}.{i % 250 + 1}"));
        Assert.Equal(30, await SilentConnectionsClosedAsync(rig, addresses, ct));
    }

    [Fact]
    public async Task One_address_cannot_hold_every_slot_of_a_torrent()
    {
        var ct = TestContext.Current.CancellationToken;
        var settings = new EngineSettings { RandomSeed = 1 };
        await using var rig = new SwarmRig(settings, Info, Content, seed: true);
        var attacker = IPAddress.Parse("10.66.0.2");
        var peers = new List<ScriptedPeer>();
        int refused = 0;
        try
        {
            for (int i = 0; i < 12; i++)
            {
                var peer = new ScriptedPeer(rig.Network.Connect(rig.Engine.ListenEndPoint, attacker));
                peers.Add(peer);
                await peer.SendHandshakeAsync(Info.InfoHash, Plain);
                if (await Record.ExceptionAsync(() => peer.ReceiveHandshakeAsync(ct)) is not null) refused++;
            }
            Assert.Equal(12 - settings.MaxConnectionsPerAddress, refused);
            await rig.WaitUntilAsync(() => rig.Session.GetStatus().Peers.Count == settings.MaxConnectionsPerAddress, ct);
            // Another address still gets in.
            await using var honest = await rig.IncomingAsync(Plain, ct);
            await rig.WaitUntilAsync(() => rig.Session.GetStatus().Peers.Count == settings.MaxConnectionsPerAddress + 1, ct);
        }
        finally
        {
            foreach (var peer in peers) await peer.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_full_torrent_lets_a_newcomer_replace_a_peer_that_has_been_useless_for_a_while()
    {
        var ct = TestContext.Current.CancellationToken;
        var settings = new EngineSettings { RandomSeed = 1, MaxConnectionsPerTorrent = 4 };
        await using var rig = new SwarmRig(settings, Info, Content, seed: true);
        var idle = new List<ScriptedPeer>();
        try
        {
            // Four peers that want nothing and offer nothing, kept alive by keep-alives.
            for (int i = 0; i < 4; i++) idle.Add(await rig.IncomingAsync(Plain, ct));
            await rig.WaitUntilAsync(() => rig.Session.GetStatus().Peers.Count == 4, ct);
            var early = await Record.ExceptionAsync(() => rig.IncomingAsync(Plain, ct));
            Assert.NotNull(early); // full, and nobody has been useless long enough yet
            for (int i = 0; i < 3; i++)
            {
                foreach (var peer in idle) await peer.SendAsync(ScriptedPeer.Length(0));
                rig.Advance(30);
            }

            await using var newcomer = await rig.IncomingAsync(Plain, ct);
            await newcomer.SendAsync(b => MessageWriter.WriteSimple(b, MessageId.Interested));
            Assert.NotNull(await newcomer.ReceiveUntilAsync(MessageId.Unchoke, ct));
            await rig.WaitUntilAsync(() => rig.Session.GetStatus().Peers.Count == 4, ct);
            Assert.Contains(rig.Session.GetStatus().Peers, p => p.PeerInterested);
        }
        finally
        {
            foreach (var peer in idle) await peer.DisposeAsync();
        }
    }
}
