using Shoal.Storage;
using Shoal.Swarm;
using Shoal.Wire;

namespace Shoal.Tests.Swarm;

/// <summary>Tests that measure the process's heap: they run alone, so other tests' allocations do not blur the figure.</summary>
[CollectionDefinition(nameof(MemoryMeasured), DisableParallelization = true)]
public sealed class MemoryMeasured;

/// <summary>
/// Issue 10, item 1: a peer that completes the handshake, then sends forever and never reads. Whatever it sends, what we
/// queue for it stays within the byte bound, the connection is closed, and the process's memory stays flat.
/// </summary>
[Trait("Category", "Hostile")]
[Collection(nameof(MemoryMeasured))]
public sealed class SlowReaderTests
{
    private const int Requests = 5_000_000;
    private static readonly byte[] Content = SwarmTestData.RandomBytes(64 * 16 * 1024, seed: 51);
    private static readonly Shoal.Metainfo.TorrentInfo Info = SwarmTestData.SingleFile(Content, pieceLength: 16 * 1024);
    private static readonly ReservedBits Plain = new(ReservedBits.Shoal.Value & ~0x04UL); // no fast extension: refused requests get no reject

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public async Task Five_million_requests_from_a_peer_that_never_reads_leave_memory_flat_and_the_connection_closed(bool fast, bool unchoked)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var rig = new SwarmRig(new EngineSettings { RandomSeed = 1 }, Info, Content, seed: true);
        await using var peer = await rig.IncomingAsync(fast ? ReservedBits.Shoal : Plain, ct);
        if (unchoked)
        {
            await peer.SendAsync(b => MessageWriter.WriteSimple(b, MessageId.Interested));
            Assert.NotNull(await peer.ReceiveUntilAsync(MessageId.Unchoke, ct));
        }
        // From now on the peer never reads: the link's 64 KiB fill up and every write of ours waits.
        long baseline = GC.GetTotalMemory(forceFullCollection: true), peak = baseline;
        var batch = new byte[MessageWriter.RequestLength * 50_000];
        for (int i = 0; i < 50_000; i++)
            MessageWriter.WriteRequest(batch.AsSpan(i * MessageWriter.RequestLength), MessageId.Request, i % Info.PieceCount, 0, 16384);
        int sent = 0;
        while (sent < Requests)
        {
            try { await peer.SendAsync(batch); }
            catch (Exception e) when (e is IOException or InvalidOperationException) { break; } // the engine hung up
            sent += 50_000;
            if (sent % 500_000 == 0) peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true));
        }
        await rig.WaitUntilAsync(() => rig.Session.GetStatus().Peers.Count == 0, ct, () => $"still connected after {sent:N0} requests: {rig.Session.GetStatus().Peers.Single()}");
        peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true));
        // The figure for the closing note: dotnet test ... --filter FullyQualifiedName~SlowReaderTests --logger "console;verbosity=detailed"
        TestContext.Current.TestOutputHelper?.WriteLine($"fast={fast} unchoked={unchoked}: {sent:N0} requests sent, connection closed, heap {baseline >> 10:N0} KiB before, peak {peak >> 10:N0} KiB (+{(peak - baseline) >> 10:N0} KiB)");
        Assert.True(peak - baseline < 16 << 20, $"the heap grew by {(peak - baseline) >> 20} MiB over {sent:N0} requests");
    }

    [Fact]
    public async Task Haves_for_resumed_pieces_wait_in_a_bitfield_not_the_send_queue_of_a_peer_that_does_not_read()
    {
        var ct = TestContext.Current.CancellationToken;
        // A magnet torrent whose data is already on disk: when its storage attaches, every connected peer (told "have
        // none" at first) must learn of 1,024 pieces. A link that buffers only 64 bytes keeps our sends waiting.
        var content = SwarmTestData.RandomBytes(1024 * 16 * 1024, seed: 52);
        var info = SwarmTestData.SingleFile(content, pieceLength: 16 * 1024);
        var network = new InMemoryNetwork(bufferBytes: 64);
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var settings = new EngineSettings { RandomSeed = 1, MaxOutboxBytes = 2048 };
        await using var engine = ClientEngine.Start(settings, network.NewHost(), time);
        var session = engine.AddMagnet(info.InfoHash);
        await using var metadata = FakeMetadataPeer.Honest(network, info.InfoHash, info.RawInfo.ToArray());
        var peer = new ScriptedPeer(network.Connect(engine.ListenEndPoint));
        await using var _ = peer;
        await peer.SendHandshakeAsync(info.InfoHash, ReservedBits.Shoal);
        await peer.ReceiveHandshakeAsync(ct);
        session.AddPeers([metadata.EndPoint], PeerSource.Manual);
        await session.MetadataReceived.WaitAsync(TimeSpan.FromSeconds(15), ct);

        Assert.True(session.AttachStorage(MemoryStorage.CreateSeeded(info, content)));
        var status = session.GetStatus().Peers.Single(p => p.Incoming);
        Assert.True(status.QueuedBytes <= settings.MaxOutboxBytes, $"{status.QueuedBytes} bytes queued for a peer that does not read");

        // When it reads at last, it hears of every piece, once.
        var announced = new HashSet<int>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (announced.Count < info.PieceCount && await peer.ReceiveAsync(timeout.Token) is { } m)
        {
            if (m.Id == MessageId.Have) Assert.True(announced.Add(m.Index), $"piece {m.Index} announced twice");
            if (m.Id is MessageId.HaveAll or MessageId.Bitfield) Assert.Fail($"{m.Id} after have-none breaks BEP 6");
        }
        Assert.Equal(info.PieceCount, announced.Count);
    }

    [Fact]
    public async Task A_peer_that_keeps_sending_but_never_reads_is_dropped_at_the_send_timeout()
    {
        var ct = TestContext.Current.CancellationToken;
        var settings = new EngineSettings { RandomSeed = 1, InactivityTimeout = TimeSpan.FromMinutes(2), SendTimeout = TimeSpan.FromSeconds(60) };
        await using var rig = new SwarmRig(settings, Info, Content, seed: true);
        await using var peer = await rig.IncomingAsync(Plain, ct);
        await peer.SendAsync(b => MessageWriter.WriteSimple(b, MessageId.Interested));
        Assert.NotNull(await peer.ReceiveUntilAsync(MessageId.Unchoke, ct));
        var requests = new byte[MessageWriter.RequestLength * 64];
        for (int i = 0; i < 64; i++) MessageWriter.WriteRequest(requests.AsSpan(i * MessageWriter.RequestLength), MessageId.Request, i, 0, 16384);
        await peer.SendAsync(requests);
        await rig.WaitUntilAsync(() => rig.Session.GetStatus().Peers is [{ RequestsIn: < 60 }], ct);
        await Task.Delay(500, ct); // real time for the send loop to reach the write that cannot complete
        // It stays chatty (a keep-alive every 10 s keeps the receive side active), but our sends make no progress.
        for (int second = 0; second < 59; second += 10)
        {
            await peer.SendAsync(ScriptedPeer.Length(0));
            rig.Advance(10);
        }
        Assert.Single(rig.Session.GetStatus().Peers);
        await peer.SendAsync(ScriptedPeer.Length(0));
        rig.Advance(2);
        await rig.WaitUntilAsync(() => rig.Session.GetStatus().Peers.Count == 0, ct);
    }
}
