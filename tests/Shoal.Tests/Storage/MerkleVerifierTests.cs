using Shoal.Metainfo;
using Shoal.Storage;
using Shoal.Tests.Metainfo;

namespace Shoal.Tests.Storage;

public class MerkleVerifierTests
{
    [Fact]
    public void ARunOfBlocksIsProvenToTheRootThroughItsUncles()
    {
        var data = V2Samples.Data(7 * 16 * 1024 + 100, 4); // 8 blocks, the last short
        var leaves = NaiveMerkle.Leaves(data);
        var layers = NaiveMerkle.Layers(leaves, 8);
        var root = layers[^1][0];
        var run = data.AsSpan(2 * 16 * 1024, 2 * 16 * 1024); // blocks 2 and 3: a subtree at height 1, index 1
        byte[] uncles = [.. layers[1][0], .. layers[2][1]];
        Assert.True(MerkleVerifier.VerifyBlocks(run, 2, uncles, root, 3));

        Assert.False(MerkleVerifier.VerifyBlocks(run, 2, uncles, root, 2));         // claims the wrong height
        Assert.False(MerkleVerifier.VerifyBlocks(run, 3, uncles, root, 3));         // not aligned to its width
        var corrupt = run.ToArray();
        corrupt[5] ^= 1;
        Assert.False(MerkleVerifier.VerifyBlocks(corrupt, 2, uncles, root, 3));

        var last = data.AsSpan(7 * 16 * 1024);                                       // the short last block
        byte[] lastUncles = [.. leaves[6], .. layers[1][2], .. layers[2][0]];
        Assert.True(MerkleVerifier.VerifyBlocks(last, 7, lastUncles, root, 3));
    }

    [Fact]
    public void APieceIsCheckedAgainstItsSubtreeAndBadBlocksAreNamed()
    {
        var piece = V2Samples.Data(3 * 16 * 1024 + 1, 5);
        var leaves = NaiveMerkle.Leaves(piece);
        var root = NaiveMerkle.Layers(leaves, 8)[^1][0]; // a piece of 8 blocks' width, the last 4 beyond the file
        Assert.True(MerkleVerifier.VerifyPiece(piece, root, 3));
        Assert.False(MerkleVerifier.VerifyPiece(piece, root, 2));
        Assert.False(MerkleVerifier.VerifyPiece(piece.AsSpan(1), root, 3));

        piece[16 * 1024 + 9] ^= 1;
        piece[^1] ^= 1;
        var bad = new bool[4];
        Assert.Equal(2, MerkleVerifier.FindBadBlocks(piece, leaves.SelectMany(h => h).ToArray(), bad));
        Assert.Equal([false, true, false, true], bad);
    }
}
