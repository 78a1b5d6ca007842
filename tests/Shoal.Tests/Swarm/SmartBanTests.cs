using System.Net;
using Microsoft.Extensions.Time.Testing;
using Shoal.Metainfo;
using Shoal.Swarm;
using Shoal.Wire;

namespace Shoal.Tests.Swarm;

/// <summary>
/// Issue 10, item 2: blocks are accepted only from peers we asked for them, and a piece that fails its hash blames only
/// the peers whose blocks were wrong (libtorrent's smart-ban), never an innocent peer that shared the piece. A ban covers
/// the address. Hostile peers sit on addresses of their own, so banning them cannot ban the honest ones by accident.
/// </summary>
[Trait("Category", "Hostile")]
public sealed class SmartBanTests
{
    private static readonly byte[] Content = SwarmTestData.RandomBytes(32 * 64 * 1024, seed: 61);
    private static readonly TorrentInfo Info = SwarmTestData.SingleFile(Content, pieceLength: 64 * 1024); // 4 blocks a piece
    private static readonly IPAddress HostileAddress = IPAddress.Parse("10.66.0.1");

    private sealed class Swarm : IAsyncDisposable
    {
        public InMemoryNetwork Network { get; } = new();
        public FakeTimeProvider Time { get; } = new();
        public SwarmRig Seeder { get; }
        public SwarmRig Leecher { get; }

        public Swarm()
        {
            var settings = new EngineSettings { RandomSeed = 5 };
            Seeder = new SwarmRig(settings, Info, Content, seed: true, Network, Time);
            Leecher = new SwarmRig(settings, Info, Content, seed: false, Network, Time);
        }

        /// <summary>Moves fake time on by 50 ms per real millisecond until the task ends or <paramref name="simulated"/> passed.</summary>
        public async Task<bool> RunUntilAsync(Task task, TimeSpan simulated, CancellationToken ct)
        {
            var end = Time.GetUtcNow() + simulated;
            while (!task.IsCompleted && Time.GetUtcNow() < end)
            {
                Time.Advance(TimeSpan.FromMilliseconds(50));
                await Task.Delay(1, ct);
            }
            return task.IsCompleted;
        }

        public string Describe() => $"{Leecher.Session.GetStatus()}\n{Leecher.Logs}";

        public async ValueTask DisposeAsync()
        {
            await Leecher.DisposeAsync();
            await Seeder.DisposeAsync();
        }
    }

    private static byte[] Garbage(int length)
    {
        var bytes = new byte[length];
        Array.Fill(bytes, (byte)0xEE);
        return bytes;
    }

    private static Task SendBlockAsync(ScriptedPeer peer, int piece, int begin, byte[] data) =>
        peer.SendAsync(b => { int n = MessageWriter.WritePieceHeader(b, piece, begin, data.Length); data.CopyTo(b, n); return n + data.Length; });

    /// <summary>A peer with every piece that answers each request we make with <paramref name="answer"/> (true: served).</summary>
    private static IPEndPoint ListenAsHostileSeed(Swarm swarm, Func<ScriptedPeer, (MessageId Id, int Index, int Begin, int Length), Task> answer, IPAddress address)
    {
        return swarm.Network.Listen(async stream =>
        {
            await using var peer = new ScriptedPeer(stream);
            try
            {
                await peer.ReceiveHandshakeAsync(CancellationToken.None);
                await peer.SendHandshakeAsync(Info.InfoHash, ReservedBits.Shoal);
                await peer.SendAsync(b => MessageWriter.WriteSimple(b, MessageId.HaveAll));
                await peer.SendAsync(b => MessageWriter.WriteSimple(b, MessageId.Unchoke));
                while (await peer.ReceiveAsync(CancellationToken.None) is { } m)
                    if (m.Id == MessageId.Request) await answer(peer, (m.Id, m.Index, m.Begin, m.Length));
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or OperationCanceledException or EndOfStreamException) { }
        }, address);
    }

    [Fact]
    public async Task A_have_none_peer_spraying_the_last_block_of_every_piece_is_banned_and_the_honest_seeder_is_not()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var swarm = new Swarm();
        var leecher = swarm.Leecher.Session;
        leecher.AddPeers([swarm.Seeder.Engine.ListenEndPoint], PeerSource.Manual);
        // The sprayer dials the leecher, says it has nothing, then sends garbage for the last block of every piece.
        await using var sprayer = await swarm.Leecher.IncomingAsync(ReservedBits.Shoal, ct, HostileAddress);
        await sprayer.SendAsync(b => MessageWriter.WriteSimple(b, MessageId.HaveNone));
        var garbage = Garbage(16 * 1024);
        _ = Task.Run(async () =>
        {
            try
            {
                for (int round = 0; round < 4; round++)
                    for (int piece = 0; piece < Info.PieceCount; piece++) await SendBlockAsync(sprayer, piece, 3 * 16 * 1024, garbage);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException) { }
        }, ct);

        Assert.True(await swarm.RunUntilAsync(leecher.Completion, TimeSpan.FromMinutes(5), ct), swarm.Describe());
        Assert.Equal(Content, SwarmTestData.ReadAll(swarm.Leecher.Storage));
        Assert.Equal(0, leecher.GetStatus().HashFailures);
        Assert.DoesNotContain(swarm.Seeder.Engine.ListenEndPoint.Address, leecher.BannedAddresses);
        await swarm.Leecher.WaitUntilAsync(() => leecher.BannedAddresses.Contains(HostileAddress), ct);
    }

    [Fact]
    public async Task A_seed_corrupting_the_last_block_of_pieces_it_shares_is_banned_and_the_honest_seeder_never_is()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var swarm = new Swarm();
        var leecher = swarm.Leecher.Session;
        // It refuses every block but the last of a piece, so the honest seeder sends the rest and each piece it touches
        // mixes both: blaming every contributor of a failed piece would ban the honest seeder.
        var garbage = Garbage(16 * 1024);
        int lastBlocksServed = 0;
        var liar = ListenAsHostileSeed(swarm, (peer, r) =>
        {
            if (r.Begin + r.Length != Info.PieceSize(r.Index))
                return peer.SendAsync(b => MessageWriter.WriteRequest(b, MessageId.RejectRequest, r.Index, r.Begin, r.Length));
            Interlocked.Increment(ref lastBlocksServed);
            return SendBlockAsync(peer, r.Index, r.Begin, garbage[..r.Length]);
        }, HostileAddress);
        // The liar first, and the honest seeder only once the liar has sent a bad last block: the piece it belongs to is
        // then finished by the honest seeder and fails, whatever the timing (the attack always reaches a piece).
        leecher.AddPeers([liar], PeerSource.Manual);
        await swarm.Leecher.WaitUntilAsync(() => Volatile.Read(ref lastBlocksServed) > 0, ct);
        leecher.AddPeers([swarm.Seeder.Engine.ListenEndPoint], PeerSource.Manual);

        Assert.True(await swarm.RunUntilAsync(leecher.Completion, TimeSpan.FromMinutes(5), ct), swarm.Describe());
        Assert.Equal(Content, SwarmTestData.ReadAll(swarm.Leecher.Storage));
        var status = leecher.GetStatus();
        Assert.True(status.HashFailures > 0, "the attack never reached a piece");
        Assert.DoesNotContain(swarm.Seeder.Engine.ListenEndPoint.Address, leecher.BannedAddresses);
        Assert.Contains(HostileAddress, leecher.BannedAddresses);
    }

    [Fact]
    public async Task A_ban_covers_every_port_of_the_address()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var swarm = new Swarm();
        var leecher = swarm.Leecher.Session;
        var liar = ListenAsHostileSeed(swarm, (peer, r) => SendBlockAsync(peer, r.Index, r.Begin, Garbage(r.Length)), HostileAddress);
        leecher.AddPeers([liar], PeerSource.Manual);
        Assert.True(await swarm.RunUntilAsync(Task.Run(async () =>
        {
            while (!leecher.BannedAddresses.Contains(HostileAddress)) await Task.Delay(10, ct);
        }, ct), TimeSpan.FromMinutes(2), ct), swarm.Describe());

        // The same address on another port: neither dialled nor let in.
        var otherPort = ListenAsHostileSeed(swarm, (peer, r) => SendBlockAsync(peer, r.Index, r.Begin, Garbage(r.Length)), HostileAddress);
        leecher.AddPeers([otherPort], PeerSource.Manual);
        Assert.DoesNotContain(leecher.KnownPeers, p => p.EndPoint.Address.Equals(HostileAddress));
        await using var again = new ScriptedPeer(swarm.Network.Connect(swarm.Leecher.Engine.ListenEndPoint, HostileAddress));
        await again.SendHandshakeAsync(Info.InfoHash, ReservedBits.Shoal);
        var refused = await Record.ExceptionAsync(() => again.ReceiveHandshakeAsync(ct).WaitAsync(TimeSpan.FromSeconds(10), ct));
        Assert.True(refused is EndOfStreamException or IOException, $"the banned address was answered: {refused?.GetType().Name ?? "a handshake"}");
        Assert.Equal(0, swarm.Network.AcceptedBy(otherPort));
    }
}
