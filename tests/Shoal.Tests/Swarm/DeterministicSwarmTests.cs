using System.Net;
using Shoal.Swarm;
using Shoal.Wire;

namespace Shoal.Tests.Swarm;

/// <summary>
/// The engine on fake time and a fixed random seed, over the in-memory network, against scripted peers: timeouts fire
/// at exactly their time, choke rounds and request order come out the same every run.
/// </summary>
public sealed class DeterministicSwarmTests
{
    private static readonly byte[] Content = SwarmTestData.RandomBytes(64 * 16 * 1024, seed: 41);
    private static readonly Shoal.Metainfo.TorrentInfo Info = SwarmTestData.SingleFile(Content, pieceLength: 16 * 1024);
    private static readonly ReservedBits Plain = new(ReservedBits.Shoal.Value & ~0x04UL); // extension protocol, no fast extension

    private sealed class Rig(EngineSettings settings, bool seed) : IAsyncDisposable
    {
        private readonly SwarmRig _rig = new(settings, Info, Content, seed);

        public InMemoryNetwork Network => _rig.Network;
        public TestLoggers Logs => _rig.Logs;
        public ClientEngine Engine => _rig.Engine;
        public TorrentSession Session => _rig.Session;

        public Task<ScriptedPeer> IncomingAsync(ReservedBits reserved, CancellationToken ct) => _rig.IncomingAsync(reserved, ct);

        public Task<ScriptedPeer> OutgoingAsync(ReservedBits reserved, CancellationToken ct) => _rig.OutgoingAsync(reserved, ct);

        public void Advance(int seconds) => _rig.Advance(seconds);

        public ValueTask DisposeAsync() => _rig.DisposeAsync();
    }

    private static async Task WaitUntilAsync(Func<bool> condition, CancellationToken ct, Func<string>? describe = null)
    {
        try { await MetadataExchangeTests.WaitUntilAsync(condition, ct); }
        catch (TimeoutException) when (describe is not null) { throw new TimeoutException($"condition not met in time: {describe()}"); }
    }

    /// <summary>The first requests a leecher sends a seed that unchoked it, as (piece, begin) pairs.</summary>
    private static async Task<List<(int, int)>> FirstRequestsAsync(int seed, CancellationToken ct)
    {
        await using var rig = new Rig(new EngineSettings { RandomSeed = seed }, seed: false);
        await using var peer = await rig.OutgoingAsync(ReservedBits.Shoal, ct);
        await peer.SendAsync(b => MessageWriter.WriteSimple(b, MessageId.HaveAll));
        await peer.SendAsync(b => MessageWriter.WriteSimple(b, MessageId.Unchoke));
        var requests = new List<(int, int)>();
        while (requests.Count < rig.Engine.Settings.MinRequestsPerPeer && await peer.ReceiveAsync(ct) is { } m)
            if (m.Id == MessageId.Request) requests.Add((m.Index, m.Begin));
        return requests;
    }

    [Fact]
    public async Task A_leecher_asks_a_seed_for_the_same_pieces_in_the_same_order_with_the_same_seed()
    {
        var ct = TestContext.Current.CancellationToken;
        var first = await FirstRequestsAsync(7, ct);
        var again = await FirstRequestsAsync(7, ct);
        var other = await FirstRequestsAsync(8, ct);
        Assert.Equal(32, first.Count);
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        // Random order, not index order: the first pieces are what a new peer trades with.
        Assert.NotEqual(first.OrderBy(r => r.Item1).ToList(), first);
    }

    [Fact]
    public async Task A_seed_unchokes_the_two_best_uploads_and_one_optimistic_peer_the_same_way_every_run()
    {
        var ct = TestContext.Current.CancellationToken;
        var first = await ChokeRoundAsync(ct);
        var again = await ChokeRoundAsync(ct);
        Assert.Equal(first, again);
    }

    /// <summary>Four interested peers; the first three get the free slots at once and take 8, 4 and 2 blocks. The first
    /// round keeps the two best and one optimistic peer among the others. Returns which peers are unchoked after it.</summary>
    private static async Task<bool[]> ChokeRoundAsync(CancellationToken ct)
    {
        await using var rig = new Rig(new EngineSettings { RandomSeed = 3, UploadSlots = 2 }, seed: true);
        var peers = new List<ScriptedPeer>();
        try
        {
            for (int i = 0; i < 4; i++)
            {
                var peer = await rig.IncomingAsync(Plain, ct);
                peers.Add(peer);
                await peer.SendAsync(b => MessageWriter.WriteSimple(b, MessageId.Interested));
                if (i < 3) Assert.NotNull(await peer.ReceiveUntilAsync(MessageId.Unchoke, ct));
            }
            int[] blocks = [8, 4, 2, 0];
            for (int i = 0; i < 4; i++)
            {
                for (int b = 0; b < blocks[i]; b++)
                {
                    int piece = i * 10 + b;
                    await peers[i].SendAsync(w => MessageWriter.WriteRequest(w, MessageId.Request, piece, 0, 16384));
                    Assert.NotNull(await peers[i].ReceiveUntilAsync(MessageId.Piece, ct));
                }
            }
            var before = rig.Session.GetStatus().Peers;
            Assert.Equal(3, before.Count(p => !p.AmChoking));
            rig.Advance(1); // the first tick runs the first choke round
            var after = rig.Session.GetStatus().Peers.OrderByDescending(p => p.UploadRate).ToList();
            Assert.Equal(4, after.Count);
            Assert.False(after[0].AmChoking);
            Assert.False(after[1].AmChoking);
            Assert.Equal(1, after.Skip(2).Count(p => !p.AmChoking));
            return [.. after.Select(p => !p.AmChoking)];
        }
        finally
        {
            foreach (var peer in peers) await peer.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_peer_sitting_on_requests_is_snubbed_after_exactly_the_snub_timeout_and_dropped_when_silent()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var rig = new Rig(new EngineSettings { RandomSeed = 1 }, seed: false);
        await using var peer = await rig.OutgoingAsync(ReservedBits.Shoal, ct);
        await peer.SendAsync(b => MessageWriter.WriteSimple(b, MessageId.HaveAll));
        await peer.SendAsync(b => MessageWriter.WriteSimple(b, MessageId.Unchoke));
        Assert.NotNull(await peer.ReceiveUntilAsync(MessageId.Request, ct));
        var settings = rig.Engine.Settings;
        rig.Advance((int)settings.SnubTimeout.TotalSeconds);
        Assert.False(Assert.Single(rig.Session.GetStatus().Peers).Snubbed);
        rig.Advance(1);
        Assert.True(Assert.Single(rig.Session.GetStatus().Peers).Snubbed);

        rig.Advance((int)(settings.InactivityTimeout - settings.SnubTimeout).TotalSeconds - 2);
        Assert.Single(rig.Session.GetStatus().Peers);
        rig.Advance(2);
        Assert.True(await peer.WaitClosedAsync(TimeSpan.FromSeconds(10)));
        await WaitUntilAsync(() => rig.Session.GetStatus().Peers.Count == 0, ct);
    }

    [Fact]
    public async Task A_peer_that_never_reads_is_dropped_when_sends_stall_for_the_send_timeout()
    {
        var ct = TestContext.Current.CancellationToken;
        var settings = new EngineSettings { RandomSeed = 1, InactivityTimeout = TimeSpan.FromHours(1), SendTimeout = TimeSpan.FromSeconds(60) };
        await using var rig = new Rig(settings, seed: true);
        await using var peer = await rig.IncomingAsync(Plain, ct);
        await peer.SendAsync(b => MessageWriter.WriteSimple(b, MessageId.Interested));
        Assert.NotNull(await peer.ReceiveUntilAsync(MessageId.Unchoke, ct));
        // Ask for far more than the link holds (a pipe buffers 64 KiB), then never read again.
        var requests = new byte[17 * 64];
        for (int i = 0; i < 64; i++) MessageWriter.WriteRequest(requests.AsSpan(i * 17), MessageId.Request, i, 0, 16384);
        await peer.SendAsync(requests);
        await WaitUntilAsync(() => rig.Session.GetStatus().Peers is [{ RequestsIn: < 60 }], ct, () => $"{rig.Session.GetStatus().Peers.SingleOrDefault()}");
        await Task.Delay(500, ct); // real time for the send loop to reach the write that cannot complete
        rig.Advance(59);
        Assert.Single(rig.Session.GetStatus().Peers);
        rig.Advance(2);
        await WaitUntilAsync(() => rig.Session.GetStatus().Peers.Count == 0, ct, () => rig.Logs.ToString());
    }

    [Fact]
    public async Task A_peer_that_floods_requests_and_never_reads_is_dropped_when_its_queue_passes_the_byte_bound()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var rig = new Rig(new EngineSettings { RandomSeed = 1, MaxOutboxBytes = 4096 }, seed: true);
        await using var peer = await rig.IncomingAsync(ReservedBits.Shoal, ct); // fast: every refused request is answered with a reject
        // Choked, so each request is rejected; the rejects pile up because the peer does not read. No time passes.
        var flood = new byte[17 * 1000];
        for (int i = 0; i < 1000; i++) MessageWriter.WriteRequest(flood.AsSpan(i * 17), MessageId.Request, i % Info.PieceCount, 0, 16384);
        for (int round = 0; round < 20 && rig.Session.GetStatus().Peers.Count > 0; round++)
        {
            try { await peer.SendAsync(flood); }
            catch (Exception e) when (e is IOException or InvalidOperationException) { break; }
        }
        await WaitUntilAsync(() => rig.Session.GetStatus().Peers.Count == 0, ct);
    }

    [Fact]
    public async Task A_block_never_requested_is_not_accepted()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var rig = new Rig(new EngineSettings { RandomSeed = 1 }, seed: false);
        await using var peer = await rig.OutgoingAsync(ReservedBits.Shoal, ct);
        await peer.SendAsync(b => MessageWriter.WriteSimple(b, MessageId.HaveNone));
        // A peer that has nothing sprays a block of piece 5: we never asked anyone for it.
        var block = Content.AsSpan(5 * 16384, 16384).ToArray();
        await peer.SendAsync(b => { int n = MessageWriter.WritePieceHeader(b, 5, 0, block.Length); block.CopyTo(b, n); return n + block.Length; });
        await WaitUntilAsync(() => rig.Session.GetStatus().Wasted == block.Length, ct);
        Assert.Equal(0, rig.Session.Downloaded);
        Assert.Equal(0, rig.Session.GetStatus().PiecesVerified);
    }

    [Fact]
    public async Task Port_messages_reach_the_DHT_and_our_port_goes_to_peers_that_set_the_DHT_bit()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var rig = new Rig(new EngineSettings { RandomSeed = 1, DhtPort = 6881 }, seed: true);
        var seen = new TaskCompletionSource<IPEndPoint>(TaskCreationOptions.RunContinuationsAsynchronously);
        rig.Engine.DhtNodeSeen += node => seen.TrySetResult(node);
        Assert.True(rig.Engine.Reserved.SupportsDht);
        var peer = new ScriptedPeer(rig.Network.Connect(rig.Engine.ListenEndPoint));
        await using var _ = peer;
        await peer.SendHandshakeAsync(Info.InfoHash, ReservedBits.Shoal.WithDht());
        Assert.True((await peer.ReceiveHandshakeAsync(ct)).Reserved.SupportsDht);
        var port = await peer.ReceiveUntilAsync(MessageId.Port, ct);
        Assert.Equal(6881, port!.Value.Index);
        await peer.SendAsync(b => MessageWriter.WritePort(b, 7000));
        var node = await seen.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
        Assert.Equal(7000, node.Port);
        Assert.Equal(rig.Session.GetStatus().Peers.Single().EndPoint.Address, node.Address);
    }
}
