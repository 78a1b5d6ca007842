using System.Net;
using CsCheck;
using Microsoft.Extensions.Time.Testing;
using Shoal.Metainfo;
using Shoal.Storage;
using Shoal.Swarm;
using Shoal.Tests.Support;
using Shoal.Wire;

namespace Shoal.Tests.Swarm.V2;

/// <summary>
/// Block-level blame for v2 (BEP 52 leaf hashes): a piece that fails its merkle hash is held while a peer is asked for
/// its 16 KiB leaf hashes; once they prove against the piece hash, only the sender of the bad block is banned and only
/// that block is fetched again. The seeder side answers leaf-hash requests from the data it has.
/// </summary>
public sealed class BlockBlameTests
{
    private const int PieceLength = 64 * 1024; // 4 blocks a piece
    private static readonly EngineSettings Settings = new() { ListenAddress = IPAddress.Loopback, AllowLoopbackPeers = true, RandomSeed = 11 };
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly FakeTimeProvider _time = new();

    public enum HashAnswer
    {
        /// <summary>The hostile peer rejects hash requests: an honest peer tells which block was bad.</summary>
        Reject,

        /// <summary>The hostile peer answers leaf-hash requests with garbage: caught by the proof and banned for it too.</summary>
        Lie,
    }

    private async Task<bool> RunUntilAsync(Func<bool> done, TimeSpan simulated)
    {
        var end = _time.GetUtcNow() + simulated;
        while (!done() && _time.GetUtcNow() < end)
        {
            _time.Advance(TimeSpan.FromMilliseconds(10)); // small steps: a busy machine must not make a peer's answer "late"
            await Task.Delay(1, Ct);
        }
        return done();
    }

    /// <summary>
    /// A peer with piece 0 only that serves the first block asked of it with one byte flipped and rejects every other
    /// request (fast extension), so the rest of that piece comes from an honest peer.
    /// </summary>
    private sealed class HostilePeer(byte[] space, InfoHash infoHash, HashAnswer hashes)
    {
        public TaskCompletionSource Served { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public List<HashRequest> HashRequests { get; } = [];

        public async Task ServeAsync(Stream stream)
        {
            await using var peer = new ScriptedPeer(stream);
            await peer.ReceiveHandshakeAsync(Ct);
            await peer.SendHandshakeAsync(infoHash, ReservedBits.Shoal.WithV2());
            await peer.SendAsync(b => MessageWriter.WriteBitfield(b, [0x80]));
            await peer.SendAsync(b => MessageWriter.WriteSimple(b, MessageId.Unchoke));
            try
            {
                while (await peer.ReceiveAsync(Ct) is { } m)
                {
                    if (m.Id == MessageId.Request && !Served.Task.IsCompleted)
                    {
                        var block = space.AsSpan(m.Index * PieceLength + m.Begin, m.Length).ToArray();
                        block[100] ^= 0x5A;
                        await peer.SendAsync(b => { int n = MessageWriter.WritePieceHeader(b, m.Index, m.Begin, m.Length); block.CopyTo(b, n); return n + m.Length; });
                        Served.TrySetResult();
                    }
                    else if (m.Id == MessageId.Request)
                        await peer.SendAsync(b => MessageWriter.WriteRequest(b, MessageId.RejectRequest, m.Index, m.Begin, m.Length));
                    else if (m.Id == MessageId.HashRequest)
                    {
                        var request = HashRequest.Read(m.Payload);
                        lock (HashRequests) HashRequests.Add(request);
                        if (hashes == HashAnswer.Reject)
                            await peer.SendAsync(b => MessageWriter.WriteHashRequest(b, MessageId.HashReject, request));
                        else
                        {
                            var garbage = new byte[request.AnswerHashCount * Merkle.HashSize];
                            Array.Fill(garbage, (byte)0x42);
                            await peer.SendAsync(b => MessageWriter.WriteHashes(b, request, garbage));
                        }
                    }
                }
            }
            catch (IOException) { } // banned: the engine hung up
        }
    }

    [Fact]
    public async Task A_seeder_answers_leaf_hash_requests_from_its_data_and_rejects_invalid_ones()
    {
        using var dir = new TempDirectory("v2-blame");
        var (torrent, space) = await V2SwarmTests.MakeAsync(dir, TorrentFormat.V2, PieceLength);
        var info = torrent.Info;
        var network = new InMemoryNetwork();
        await using var seeder = ClientEngine.Start(Settings, network.NewHost(), _time);
        seeder.AddTorrent(info, MemoryStorage.CreateSeeded(info, space));
        await using var peer = new ScriptedPeer(network.Connect(seeder.ListenEndPoint));
        await peer.SendHandshakeAsync(info.InfoHash, ReservedBits.Shoal.WithV2());
        await peer.ReceiveHandshakeAsync(Ct);

        // one.bin: 150,003 bytes, 10 leaves in a tree of height 4 (16 leaves), pieces of 4 leaves (the piece layer is height 2).
        var file = info.Files.Single(f => f.Length == 150_003);
        var data = space.AsSpan((int)file.Offset, (int)file.Length).ToArray();
        var full = MerkleTree.Build(Metainfo.NaiveMerkle.Leaves(data).SelectMany(h => h).ToArray(), 0, Merkle.FileHeight(data.Length));
        var field = Gen.OneOf(Gen.Int[0, 20], Gen.Int[0, 1 << 16], Gen.Int[0, 13].Select(k => 1 << k));
        var arbitrary = Gen.Select(Gen.Int[0, 6], field, field, Gen.Int[0, 6]);
        var withinTree = Gen.Int[0, full.Height - 1].SelectMany(b => Gen.Int[1, full.Height - b].SelectMany(k =>
            Gen.Select(Gen.Int[0, (1 << (full.Height - b - k)) - 1], Gen.Int[0, full.Height - b - 1], (m, p) => (b, m << k, 1 << k, p))));
        var requests = Gen.OneOf(arbitrary, withinTree).Array[60].Single(_ => true, "0N0XIzNsQ0O2");
        int answered = 0, rejected = 0;
        foreach (var (i, (baseLayer, index, length, proof)) in requests.Index())
        {
            if (i % 20 == 19) _time.Advance(TimeSpan.FromSeconds(1)); // the per-peer answer budget refills each second
            var request = new HashRequest(file.PiecesRoot.Span, baseLayer, index, length, proof);
            await peer.SendAsync(b => MessageWriter.WriteHashRequest(b, MessageId.HashRequest, request));
            (MessageId Id, int Index, int Begin, int Length, byte[] Payload)? reply;
            do reply = await peer.ReceiveAsync(Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct);
            while (reply is { Id: not (MessageId.Hashes or MessageId.HashReject) });
            Assert.NotNull(reply); // never hung up on
            bool valid = request.IsWellFormed && MerkleProof.IsValidRequest(full.Height, baseLayer, index, length, proof);
            Assert.True((valid ? MessageId.Hashes : MessageId.HashReject) == reply.Value.Id, $"{request} (#{i}) got {reply.Value.Id}");
            Assert.True(HashRequest.Read(reply.Value.Payload) == request);
            if (!valid)
            {
                rejected++;
                continue;
            }
            var expected = new byte[request.AnswerHashCount * Merkle.HashSize];
            MerkleProof.Write(full, baseLayer, index, length, proof, expected);
            Assert.Equal(expected, reply.Value.Payload.AsSpan(HashRequest.EncodedLength).ToArray());
            answered++;
        }
        Assert.True(answered >= 5 && rejected >= 5, $"{answered} answered, {rejected} rejected: the sample should hold both");
    }

    [Theory]
    [InlineData(HashAnswer.Reject)]
    [InlineData(HashAnswer.Lie)]
    public async Task Only_the_sender_of_the_bad_block_is_banned_and_only_that_block_is_fetched_again(HashAnswer hashes)
    {
        using var dir = new TempDirectory("v2-blame");
        var (torrent, space) = await V2SwarmTests.MakeAsync(dir, TorrentFormat.V2, PieceLength);
        var info = torrent.Info;
        var network = new InMemoryNetwork();
        await using var honestEngine = ClientEngine.Start(Settings, network.NewHost(), _time);
        var honest = honestEngine.AddTorrent(info, MemoryStorage.CreateSeeded(info, space));
        var hostile = new HostilePeer(space, info.InfoHash, hashes);
        var hostileEndPoint = network.Listen(hostile.ServeAsync);
        await using var leecherEngine = ClientEngine.Start(Settings with { RandomSeed = 12 }, network.NewHost(), _time);
        var storage = new MemoryStorage(info);
        var leecher = leecherEngine.AddTorrent(info, storage);

        leecher.AddPeers([hostileEndPoint], PeerSource.Manual);
        Assert.True(await RunUntilAsync(() => hostile.Served.Task.IsCompleted, TimeSpan.FromSeconds(30)), "the hostile peer was never asked for a block");
        leecher.AddPeers([honestEngine.ListenEndPoint], PeerSource.Manual);
        Assert.True(await RunUntilAsync(() => leecher.Completion.IsCompleted, TimeSpan.FromMinutes(2)), "not done in 2 simulated minutes");
        await leecher.Completion;

        Assert.Equal(space, SwarmTestData.ReadAll(storage));
        Assert.Equal(1, leecher.GetStatus().HashFailures);
        Assert.Contains(hostileEndPoint.Address, leecher.BannedAddresses);
        Assert.DoesNotContain(honestEngine.ListenEndPoint.Address, leecher.BannedAddresses);
        // The leaf hashes of the failed piece were asked for: the whole piece (4 blocks), proven up to its piece hash.
        lock (hostile.HashRequests)
            if (hostile.HashRequests is [var asked, ..]) Assert.Equal((0, 0, 4), (asked.BaseLayer, asked.Index, asked.Length));
        // The honest seeder sent every byte once and nothing more: the 3 good blocks it sent of the failed piece were kept.
        Assert.Equal(info.TotalLength, honest.Uploaded);
        // Which peer is asked for the leaf hashes first depends on timing: when the honest one answers first, the liar is
        // never asked, and it is banned for its bad block alone (the proof check itself: MerkleHashStoreTests).
    }
}
