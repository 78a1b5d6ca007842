using System.Security.Cryptography;
using CsCheck;
using Shoal.Metainfo;

namespace Shoal.Tests.Metainfo;

public class MerkleTests
{
    [Fact]
    public void PadHashesAreTheRootsOfZeroSubtrees()
    {
        Assert.Equal(new byte[32], Merkle.PadHash(0).ToArray());
        Assert.Equal(SHA256.HashData(new byte[64]), Merkle.PadHash(1).ToArray());
        var two = SHA256.HashData(new byte[64]);
        Assert.Equal(SHA256.HashData([.. two, .. two]), Merkle.PadHash(2).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => Merkle.PadHash(Merkle.MaxHeight + 1).ToArray());
    }

    [Theory]
    [InlineData(1L, 0)]
    [InlineData(16_384L, 0)]
    [InlineData(16_385L, 1)]
    [InlineData(3 * 16_384L, 2)]
    [InlineData(4 * 16_384L, 2)]
    [InlineData(4 * 16_384L + 1, 3)]
    [InlineData(1L << 40, 26)]
    public void FileHeightIsTheSmallestTreeOverItsBlocks(long length, int height)
    {
        Assert.Equal(height, Merkle.FileHeight(length));
    }

    [Fact]
    public void RootsOfSmallFilesFollowTheSpec()
    {
        var one = new byte[16_384];
        new Random(1).NextBytes(one);
        Span<byte> root = stackalloc byte[32];
        Merkle.DataRoot(one, 0, new byte[32], root);
        Assert.Equal(SHA256.HashData(one), root.ToArray()); // one block: the root is the leaf

        var three = new byte[2 * 16_384 + 5];
        new Random(2).NextBytes(three);
        var l = NaiveMerkle.Leaves(three);
        var expected = SHA256.HashData([.. SHA256.HashData([.. l[0], .. l[1]]), .. SHA256.HashData([.. l[2], .. new byte[32]])]);
        Merkle.DataRoot(three, 2, new byte[3 * 32], root);
        Assert.Equal(expected, root.ToArray());
    }

    [Fact]
    public void DataRootMatchesTheNaiveTreeForAnyLengthAndHeight()
    {
        Gen.Select(Gen.Int[1, 300_000], Gen.Int[0, 3], Gen.Int).Sample((length, extra, seed) =>
        {
            var data = new byte[length];
            new Random(seed).NextBytes(data);
            int blocks = (length + NaiveMerkle.Block - 1) / NaiveMerkle.Block;
            int height = Merkle.HeightFor(blocks) + extra;
            Span<byte> root = stackalloc byte[32];
            Merkle.DataRoot(data, height, new byte[blocks * 32], root);
            var naive = NaiveMerkle.Layers(NaiveMerkle.Leaves(data), 1 << height)[^1][0];
            Assert.Equal(naive, root.ToArray());
        }, iter: 200);
    }

    [Fact]
    public void TreesFromAPieceLayerMatchTheNaiveTreeAtEveryNode()
    {
        Gen.Select(Gen.Int[16_385, 600_000], Gen.Int[0, 2], Gen.Int).Sample((length, pieceShift, seed) =>
        {
            int pieceLength = NaiveMerkle.Block << pieceShift;
            var data = new byte[length];
            new Random(seed).NextBytes(data);
            int blocks = (length + NaiveMerkle.Block - 1) / NaiveMerkle.Block;
            var naive = NaiveMerkle.Layers(NaiveMerkle.Leaves(data), NaiveMerkle.Pow2AtLeast(blocks));
            int height = Merkle.FileHeight(length);
            if (height < pieceShift) return; // a file shorter than a piece has no piece layer
            var tree = MerkleTree.Build(NaiveMerkle.PieceLayer(data, pieceLength), pieceShift, height);
            Assert.Equal(height, tree.Height);
            Assert.Equal(naive[^1][0], tree.Root.ToArray());
            for (int h = pieceShift; h <= height; h++)
                for (int i = 0; i < naive[h].Count; i++)
                    Assert.Equal(naive[h][i], tree.Node(h, i).ToArray());
        }, iter: 100);
    }

    [Fact]
    public void TreesRefuseLayersThatDoNotFit()
    {
        Assert.Throws<ArgumentException>(() => MerkleTree.Build(new byte[5 * 32], 0, 2));
        Assert.Throws<ArgumentException>(() => MerkleTree.Build(new byte[31], 0, 2));
        Assert.Throws<ArgumentException>(() => MerkleTree.Build([], 0, 2));
        var tree = MerkleTree.Build(new byte[3 * 32], 0, 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.Node(0, 4).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.Node(3, 0).ToArray());
        Assert.Equal(Merkle.PadHash(0).ToArray(), tree.Node(0, 3).ToArray()); // past the data: a pad
    }
}
