using CsCheck;
using Shoal.Metainfo;
using Shoal.Swarm.V2;
using Shoal.Tests.Metainfo;
using Shoal.Wire;

namespace Shoal.Tests.Swarm.V2;

/// <summary>
/// The merkle side of a v2 download, between two stores: a "seeder" that has the piece layers and the data, a "leecher"
/// that starts with only the roots (as from a magnet link) and gets everything else from the seeder's answers.
/// </summary>
public class MerkleHashStoreTests
{
    private sealed record Content(TorrentInfo Info, PieceLayers Layers, byte[][] Files)
    {
        /// <summary>The bytes of piece <paramref name="piece"/> (its file's data only).</summary>
        public byte[] Piece(int piece)
        {
            var file = Info.Files.First(f => !f.IsPadding && f.Length > 0 && f.Offset <= (long)piece * Info.PieceLength && (long)piece * Info.PieceLength < f.EndOffset);
            var data = Files[DataIndex(file)];
            long start = (long)piece * Info.PieceLength - file.Offset;
            return data.AsSpan((int)start, (int)Math.Min(Info.PieceLength, data.Length - start)).ToArray();
        }

        private int DataIndex(FileEntry file) => Info.Files.Where(f => !f.IsPadding).ToList().IndexOf(file);

        /// <summary>What a seeder computes for a leaf request: the leaf hashes of the pieces the store names.</summary>
        public byte[] WindowLeaves(MerkleHashStore store, in HashRequest request)
        {
            Assert.True(store.TryGetLeafWindow(request, out int first, out int count));
            var leaves = new List<byte>();
            for (int p = first; p < first + count; p++)
            {
                var data = Piece(p);
                var hashes = new byte[Merkle.BlockCount(data.Length) * 32];
                Merkle.HashBlocks(data, hashes);
                leaves.AddRange(hashes);
            }
            return [.. leaves];
        }
    }

    /// <summary>Files (each a length) with random contents, in one v2 torrent.</summary>
    private static Content Make(int pieceLength, params int[] lengths) => Make(pieceLength, lengths.Select((l, i) => V2Samples.Data(l, i + 1)).ToArray());

    private static Content Make(int pieceLength, byte[][] files)
    {
        var entries = files.Select((d, i) => ((IReadOnlyList<string>)[$"f{i}"], (long)d.Length, (ReadOnlyMemory<byte>)(d.Length > 0 ? NaiveMerkle.Root(d) : []))).ToArray();
        var info = TorrentInfo.CreateV2("t", pieceLength, entries, multiFile: true);
        var layers = new Dictionary<int, ReadOnlyMemory<byte>>();
        for (int i = 0; i < info.Files.Count; i++)
            if (PieceLayers.Needs(info, i)) layers[i] = NaiveMerkle.PieceLayer(files[int.Parse(info.Files[i].Path[1..], System.Globalization.CultureInfo.InvariantCulture)], pieceLength);
        return new Content(info, PieceLayers.FromVerified(info, layers), files);
    }

    private static byte[] Answer(MerkleHashStore seeder, Content content, in HashRequest request)
    {
        bool leaves = seeder.TryGetLeafWindow(request, out _, out int count) && count > 0;
        var answer = new byte[request.AnswerHashCount * 32];
        Assert.Equal(answer.Length, seeder.Answer(request, leaves ? content.WindowLeaves(seeder, request) : [], answer));
        return answer;
    }

    [Fact]
    public void PiecesAreCheckedAgainstTheLayerOrTheRootOfASmallFile()
    {
        var content = Make(32 * 1024, 100_000, 20_000, 32 * 1024);
        var store = new MerkleHashStore(content.Info, content.Layers);
        Assert.True(store.IsComplete);
        for (int p = 0; p < content.Info.PieceCount; p++)
        {
            var data = content.Piece(p);
            Assert.Equal(data.Length, store.PieceDataLength(p));
            Assert.Equal(PieceCheck.Passed, store.CheckPiece(p, data));
            data[^1] ^= 1;
            Assert.Equal(PieceCheck.Failed, store.CheckPiece(p, data));
        }
        Assert.Equal((2, 0), store.Locate(4)); // file 0 takes pieces 0-3, then its padding, then file 1
    }

    [Fact]
    public void AMagnetDownloadGetsEveryPieceLayerFromPeersAndChecksThemAgainstTheRoots()
    {
        // 600 pieces of 16 KiB: two requests of up to 512 hashes, the second padded to a power of two.
        var content = Make(16 * 1024, 600 * 16 * 1024 - 3, 5 * 16 * 1024);
        var seeder = new MerkleHashStore(content.Info, content.Layers);
        var leecher = new MerkleHashStore(content.Info);
        Assert.False(leecher.IsComplete);
        Assert.Equal(PieceCheck.HashUnknown, leecher.CheckPiece(0, content.Piece(0)));

        var requests = leecher.MissingPieceLayerRequests().ToList();
        Assert.Equal([(0, 512), (512, 128), (0, 8)], requests.Select(r => (r.Index, r.Length)));
        foreach (var request in requests)
        {
            var answer = Answer(seeder, content, request);
            var lie = answer.ToArray();
            lie[^1] ^= 1;
            Assert.False(leecher.AddPieceLayerHashes(request, lie));
            Assert.True(leecher.AddPieceLayerHashes(request, answer));
        }
        Assert.True(leecher.IsComplete);
        Assert.Empty(leecher.MissingPieceLayerRequests());
        for (int p = 0; p < content.Info.PieceCount; p++) Assert.Equal(PieceCheck.Passed, leecher.CheckPiece(p, content.Piece(p)));
        Assert.Equal(content.Layers.ForFile(0).ToArray(), leecher.ToPieceLayers().ForFile(0).ToArray());
    }

    [Fact]
    public void AFailedPieceNamesItsBadBlockOnceItsLeafHashesAreProven()
    {
        var content = Make(64 * 1024, 300_000, 40_000); // 4 blocks a piece; the small file is its own 3-block tree
        var seeder = new MerkleHashStore(content.Info, content.Layers);
        var leecher = new MerkleHashStore(content.Info, content.Layers);
        foreach (int piece in new[] { 1, 4, 5 })
        {
            var data = content.Piece(piece);
            int blocks = (int)Merkle.BlockCount(data.Length);
            int corrupt = blocks - 1;
            data[corrupt * 16 * 1024] ^= 0xFF;
            Assert.Equal(PieceCheck.Failed, leecher.CheckPiece(piece, data));

            var request = leecher.BlockHashesRequest(piece)!.Value;
            Assert.Equal(0, request.BaseLayer);
            var answer = Answer(seeder, content, request);
            var bad = new bool[blocks];
            Assert.Equal(1, leecher.FindBadBlocks(piece, data, request, answer, bad));
            Assert.Equal(Enumerable.Range(0, blocks).Select(b => b == corrupt), bad);

            answer[0] ^= 1; // the hashes' sender lied: nothing can be said about the blocks
            Assert.Equal(-1, leecher.FindBadBlocks(piece, data, request, answer, bad));
        }
    }

    [Fact]
    public void PiecesOfOneBlockNeedNoBlockHashes()
    {
        var content = Make(16 * 1024, 20_000);
        Assert.Null(new MerkleHashStore(content.Info, content.Layers).BlockHashesRequest(1));
    }

    [Fact]
    public void AnswersEqualProofsFromTheWholeLeafTree()
    {
        var content = Make(64 * 1024, 1_000_000);
        var store = new MerkleHashStore(content.Info, content.Layers);
        var full = MerkleTree.Build(NaiveMerkle.Leaves(content.Files[0]).SelectMany(h => h).ToArray(), 0, Merkle.FileHeight(1_000_000));
        var root = content.Info.Files[0].PiecesRoot.ToArray();
        Gen.Select(Gen.Int[0, full.Height - 1], Gen.Int[1, 6], Gen.Int, Gen.Int).Sample((baseLayer, k, pick, proofPick) =>
        {
            if (baseLayer + k > full.Height) return;
            int count = 1 << k;
            int index = (int)((uint)pick % ((1 << (full.Height - baseLayer)) / count)) * count;
            int proof = (int)((uint)proofPick % (full.Height - baseLayer));
            var request = new HashRequest(root, baseLayer, index, count, proof);
            var expected = new byte[request.AnswerHashCount * 32];
            MerkleProof.Write(full, baseLayer, index, count, proof, expected);
            Assert.Equal(expected, Answer(store, content, request));
        }, iter: 300);
    }

    [Fact]
    public void AnyLeafLayerRequestIsAnsweredAsTheWholeTreeWouldOrRejected()
    {
        // Arbitrary fields, most of them outside BEP 52's limits: never a throw; a reject exactly when the request is
        // invalid for the file (base at or above the root, length not a power of two of at least two, index not a
        // multiple of it or past the layer, proof layers reaching the root), else the answer a full leaf tree gives.
        var content = Make(32 * 1024, 300_000, 40_000);
        var store = new MerkleHashStore(content.Info, content.Layers);
        foreach (int fileIndex in new[] { 0, 2 })
        {
            var data = content.Files[fileIndex == 0 ? 0 : 1];
            var full = MerkleTree.Build(NaiveMerkle.Leaves(data).SelectMany(h => h).ToArray(), 0, Merkle.FileHeight(data.Length));
            var root = content.Info.Files[fileIndex].PiecesRoot.ToArray();
            var field = Gen.OneOf(Gen.Int[0, 20], Gen.Int[0, int.MaxValue], Gen.Int[0, 10].Select(k => 1 << k));
            var arbitrary = Gen.Select(Gen.Int[0, full.Height + 2], field, field, Gen.Int[0, full.Height + 2]);
            var withinTree = Gen.Int[0, full.Height - 1].SelectMany(b => Gen.Int[1, full.Height - b].SelectMany(k =>
                Gen.Select(Gen.Int[0, (1 << (full.Height - b - k)) - 1], Gen.Int[0, full.Height - b - 1], (m, p) => (b, m << k, 1 << k, p))));
            Gen.OneOf(arbitrary, withinTree).Sample((baseLayer, index, length, proof) =>
            {
                var request = new HashRequest(root, baseLayer, index, length, proof);
                bool valid = request.IsWellFormed && MerkleProof.IsValidRequest(full.Height, baseLayer, index, length, proof);
                var windowLeaves = store.TryGetLeafWindow(request, out _, out int count) && count > 0 ? content.WindowLeaves(store, request) : [];
                var answer = new byte[valid ? request.AnswerHashCount * 32 : 0];
                Assert.Equal(valid ? answer.Length : -1, store.Answer(request, windowLeaves, answer));
                if (!valid) return;
                var expected = new byte[answer.Length];
                MerkleProof.Write(full, baseLayer, index, length, proof, expected);
                Assert.Equal(expected, answer);
            }, iter: 2000, seed: "0N0XIzNsQ0O2");
        }
    }

    [Fact]
    public void RequestsForUnknownFilesOrOutsideTheTreeAreRejected()
    {
        var content = Make(32 * 1024, 100_000);
        var store = new MerkleHashStore(content.Info, content.Layers);
        var root = content.Info.Files[0].PiecesRoot.ToArray();
        var dest = new byte[4096];
        Assert.Equal(-1, store.Answer(new HashRequest(new byte[32], 1, 0, 2, 0), [], dest));
        Assert.Equal(-1, store.Answer(new HashRequest(root, 1, 0, 3, 0), [], dest));   // not a power of two
        Assert.Equal(-1, store.Answer(new HashRequest(root, 1, 8, 2, 0), [], dest));   // past the layer
        Assert.Equal(-1, store.Answer(new HashRequest(root, 0, 0, 2, 0), new byte[5], dest)); // wrong leaves
        Assert.False(new MerkleHashStore(content.Info).TryGetLeafWindow(new HashRequest(root, 1, 0, 2, 2), out _, out _)); // layer unknown
    }

    [Fact]
    public void IdenticalFilesGetTheirLayersFromOneAnswer()
    {
        var same = V2Samples.Data(50_000, 7);
        var content = Make(16 * 1024, [same, same]);
        Assert.Equal(content.Info.Files[0].PiecesRoot.ToArray(), content.Info.Files.Last(f => !f.IsPadding).PiecesRoot.ToArray());
        var seeder = new MerkleHashStore(content.Info, content.Layers);
        var leecher = new MerkleHashStore(content.Info);
        foreach (var request in leecher.MissingPieceLayerRequests().Take(1)) Assert.True(leecher.AddPieceLayerHashes(request, Answer(seeder, content, request)));
        Assert.True(leecher.IsComplete);
    }
}
