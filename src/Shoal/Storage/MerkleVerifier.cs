using System.Buffers;
using System.Numerics;
using System.Security.Cryptography;
using Shoal.Metainfo;

namespace Shoal.Storage;

/// <summary>
/// BEP 52 checks of data against SHA-256 merkle hashes: a whole piece against its piece-layer hash (or a small file's
/// root), a run of 16 KiB blocks against any trusted ancestor through uncle hashes, and, once a piece's leaf hashes are
/// proven, which of its blocks are bad — so a bad block is re-fetched alone and its sender is known for certain.
/// Leaf hashes live on the stack (or a pooled buffer for pieces over 8 MiB): nothing is allocated per block.
/// </summary>
public static class MerkleVerifier
{
    private const int StackLeafBytes = 16 * 1024; // 512 leaves: pieces up to 8 MiB

    /// <summary>
    /// True when <paramref name="data"/> (one piece of a v2 file: all its blocks, the last perhaps short) hashes to
    /// <paramref name="expected"/> in a subtree of <paramref name="subtreeHeight"/> (<see cref="Merkle.PieceSubtreeHeight"/>).
    /// </summary>
    public static bool VerifyPiece(ReadOnlySpan<byte> data, ReadOnlySpan<byte> expected, int subtreeHeight)
    {
        if (data.IsEmpty || (uint)subtreeHeight > 30 || data.Length > (long)Merkle.BlockSize << subtreeHeight) return false;
        int bytes = (int)Merkle.BlockCount(data.Length) * Merkle.HashSize;
        byte[]? rented = null;
        Span<byte> leaves = bytes <= StackLeafBytes ? stackalloc byte[bytes] : (rented = ArrayPool<byte>.Shared.Rent(bytes));
        try
        {
            Span<byte> root = stackalloc byte[Merkle.HashSize];
            Merkle.DataRoot(data, subtreeHeight, leaves, root);
            return root.SequenceEqual(expected);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// True when the blocks in <paramref name="data"/>, starting at block <paramref name="firstBlock"/> of their file, climb
    /// through <paramref name="uncles"/> (lowest first) to <paramref name="expected"/> at <paramref name="expectedHeight"/>.
    /// The run is padded with zero leaves to a power of two, and must start at a multiple of that width (a run is a
    /// subtree); only the file's last block may be short.
    /// </summary>
    public static bool VerifyBlocks(ReadOnlySpan<byte> data, long firstBlock, ReadOnlySpan<byte> uncles, ReadOnlySpan<byte> expected, int expectedHeight)
    {
        if (data.IsEmpty || uncles.Length % Merkle.HashSize != 0 || firstBlock < 0) return false;
        long blocks = Merkle.BlockCount(data.Length);
        if (blocks > 1 << 20) return false;
        int width = (int)BitOperations.RoundUpToPowerOf2((uint)blocks);
        if (firstBlock % width != 0) return false;
        int bytes = width * Merkle.HashSize;
        byte[]? rented = null;
        Span<byte> leaves = bytes <= StackLeafBytes ? stackalloc byte[bytes] : (rented = ArrayPool<byte>.Shared.Rent(bytes));
        try
        {
            leaves = leaves[..bytes];
            Merkle.HashBlocks(data, leaves);
            leaves[(int)(blocks * Merkle.HashSize)..].Clear(); // zero leaves past the file's end
            int climbs = uncles.Length / Merkle.HashSize;
            if (BitOperations.Log2((uint)width) + climbs != expectedHeight || expectedHeight > Merkle.MaxHeight) return false;
            Span<byte> ancestor = stackalloc byte[Merkle.HashSize];
            MerkleProof.Climb(leaves, width, 0, firstBlock, uncles, ancestor);
            return ancestor.SequenceEqual(expected);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Compares each 16 KiB block of <paramref name="data"/> with its leaf hash in <paramref name="leaves"/> (proven
    /// beforehand, e.g. with <see cref="MerkleProof.Verify"/> against the piece's hash). Marks mismatches in
    /// <paramref name="bad"/> (one entry per block) and returns how many there are.
    /// </summary>
    public static int FindBadBlocks(ReadOnlySpan<byte> data, ReadOnlySpan<byte> leaves, Span<bool> bad)
    {
        int blocks = (int)Merkle.BlockCount(data.Length);
        if (leaves.Length < blocks * Merkle.HashSize) throw new ArgumentException($"{blocks} leaf hashes needed", nameof(leaves));
        if (bad.Length < blocks) throw new ArgumentException($"room for {blocks} flags needed", nameof(bad));
        Span<byte> hash = stackalloc byte[Merkle.HashSize];
        int count = 0;
        for (int i = 0; i < blocks; i++)
        {
            int start = i * Merkle.BlockSize;
            SHA256.HashData(data.Slice(start, Math.Min(Merkle.BlockSize, data.Length - start)), hash);
            bad[i] = !hash.SequenceEqual(leaves.Slice(i * Merkle.HashSize, Merkle.HashSize));
            if (bad[i]) count++;
        }
        return count;
    }
}
