using CsCheck;
using Shoal.Metainfo;

namespace Shoal.Tests.Metainfo;

public class MerkleProofTests
{
    /// <summary>A random file's leaf-level tree and a random request BEP 52 allows against it.</summary>
    private static readonly Gen<(MerkleTree Tree, int Base, int Index, int Count, int Proof)> Requests =
        Gen.Select(Gen.Int[2, 300], Gen.Int, Gen.Int, Gen.Int, Gen.Int).Select((leaves, a, b, c, seed) =>
        {
            var hashes = new byte[leaves * 32];
            new Random(seed).NextBytes(hashes);
            int height = Merkle.HeightFor(leaves);
            var tree = MerkleTree.Build(hashes, 0, height);
            int baseHeight = (int)((uint)a % height);
            int k = 1 + (int)((uint)b % (height - baseHeight));        // count = 2^k fits the layer
            int count = 1 << k;
            int width = 1 << (height - baseHeight);
            int index = (int)((uint)c % (width / count)) * count;
            int proof = (int)((uint)(a ^ c) % (height - baseHeight));
            return (tree, baseHeight, index, count, proof);
        });

    [Theory]
    [InlineData(2, 0, 0)]
    [InlineData(2, 3, 3)]
    [InlineData(8, 2, 0)]
    [InlineData(8, 3, 1)]
    [InlineData(512, 12, 4)]
    public void UnclesLeaveOutTheLayersInsideTheBaseSubtree(int count, int proofLayers, int uncles)
    {
        Assert.Equal(uncles, MerkleProof.UncleCount(count, proofLayers));
    }

    [Fact]
    public void AnswersClimbToTheNodeTheyProve()
    {
        Requests.Sample(r =>
        {
            var answer = new byte[(r.Count + MerkleProof.UncleCount(r.Count, r.Proof)) * 32];
            Assert.Equal(answer.Length, MerkleProof.Write(r.Tree, r.Base, r.Index, r.Count, r.Proof, answer));
            for (int i = 0; i < r.Count; i++) Assert.Equal(r.Tree.Node(r.Base, r.Index + i).ToArray(), answer.AsSpan(i * 32, 32).ToArray());

            var baseHashes = answer.AsSpan(0, r.Count * 32);
            var uncles = answer.AsSpan(r.Count * 32);
            Span<byte> node = stackalloc byte[32];
            var (height, index) = MerkleProof.Climb(baseHashes, r.Count, r.Base, r.Index, uncles, node);
            int expectedHeight = Math.Max(r.Base + r.Proof + 1, r.Base + System.Numerics.BitOperations.Log2((uint)r.Count));
            Assert.Equal(expectedHeight, height);
            Assert.Equal(r.Tree.Node(height, index).ToArray(), node.ToArray());
            Assert.True(MerkleProof.Verify(baseHashes, r.Count, r.Base, r.Index, uncles, r.Tree.Node(height, index), height));
        }, iter: 500);
    }

    [Fact]
    public void AnyChangedHashBreaksTheProof()
    {
        Gen.Select(Requests, Gen.Int, Gen.Byte[1, 255]).Sample((r, at, flip) =>
        {
            var answer = new byte[(r.Count + MerkleProof.UncleCount(r.Count, r.Proof)) * 32];
            MerkleProof.Write(r.Tree, r.Base, r.Index, r.Count, r.Proof, answer);
            answer[(int)((uint)at % answer.Length)] ^= flip;
            Span<byte> node = stackalloc byte[32];
            var (height, index) = MerkleProof.Climb(answer.AsSpan(0, r.Count * 32), r.Count, r.Base, r.Index, answer.AsSpan(r.Count * 32), node);
            Assert.NotEqual(r.Tree.Node(height, index).ToArray(), node.ToArray());
        }, iter: 500);
    }

    [Fact]
    public void AWindowOfLeavesUnderAPieceLayerTreeAnswersLikeTheFullTree()
    {
        Gen.Select(Gen.Int[9, 200], Gen.Int[1, 2], Gen.Int, Gen.Int).Sample((leaves, pieceHeight, pick, seed) =>
        {
            var hashes = new byte[leaves * 32];
            new Random(seed).NextBytes(hashes);
            int height = Merkle.HeightFor(leaves);
            if (height <= pieceHeight) return;
            var full = MerkleTree.Build(hashes, 0, height);
            var upper = MerkleTree.Build(full.Layer(pieceHeight), pieceHeight, height);
            // A leaf request inside one piece, with its proof up to the root.
            int pieces = (leaves + (1 << pieceHeight) - 1) >> pieceHeight;
            int piece = (int)((uint)pick % pieces);
            int count = 1 << pieceHeight;
            int proof = height - 1;
            var window = MerkleTree.Build(hashes.AsSpan(piece * count * 32, Math.Min(count, leaves - piece * count) * 32), 0, pieceHeight);

            var expected = new byte[(count + MerkleProof.UncleCount(count, proof)) * 32];
            var actual = new byte[expected.Length];
            MerkleProof.Write(full, 0, piece * count, count, proof, expected);
            Assert.Equal(expected.Length, MerkleProof.Write(upper, window, piece, 0, piece * count, count, proof, actual));
            Assert.Equal(expected, actual);
        }, iter: 300);
    }

    [Theory]
    [InlineData(0, 0, 1, 0)]     // one hash: BEP 52 wants at least two
    [InlineData(0, 0, 3, 0)]     // not a power of two
    [InlineData(0, 2, 4, 0)]     // index not a multiple of the count
    [InlineData(0, 0, 2, 4)]     // proof reaching the root (both sides know it)
    [InlineData(4, 0, 2, 0)]     // base layer at the root
    [InlineData(0, 16, 2, 0)]    // past the layer's end
    [InlineData(-1, 0, 2, 0)]
    public void RequestsBreakingTheRulesAreRefused(int baseHeight, int index, int count, int proof)
    {
        Assert.False(MerkleProof.IsValidRequest(4, baseHeight, index, count, proof));
        var tree = MerkleTree.Build(new byte[16 * 32], 0, 4);
        Assert.Equal(-1, MerkleProof.Write(tree, baseHeight, index, count, proof, new byte[1024]));
    }
}
