using System.Numerics;
using System.Security.Cryptography;

namespace Shoal.Metainfo;

/// <summary>
/// The hash algebra of BEP 52's per-file merkle trees: SHA-256 over 16 KiB blocks (the leaves, height 0), a parent is
/// the SHA-256 of its two children, and a file's leaf count is padded to a power of two with zero hashes. A subtree that
/// lies wholly past the end of the file therefore has a fixed hash per height, <see cref="PadHash"/>.
/// Everything works on spans in place; nothing allocates.
/// </summary>
public static class Merkle
{
    /// <summary>Bytes per leaf (the last block of a file may be shorter).</summary>
    public const int BlockSize = 16 * 1024;

    /// <summary>Bytes per SHA-256 hash.</summary>
    public const int HashSize = 32;

    /// <summary>Tallest tree handled: 2^48 leaves of 16 KiB is 4 EiB, far past any file a torrent can describe.</summary>
    public const int MaxHeight = 48;

    private static readonly byte[] PadHashes = ComputePadHashes();

    /// <summary>The root of a subtree of 2^<paramref name="height"/> leaves that are all zero hashes.</summary>
    public static ReadOnlySpan<byte> PadHash(int height)
    {
        if ((uint)height > MaxHeight) throw new ArgumentOutOfRangeException(nameof(height), height, $"must be between 0 and {MaxHeight}");
        return PadHashes.AsSpan(height * HashSize, HashSize);
    }

    /// <summary>16 KiB blocks (leaves) in a file of <paramref name="length"/> bytes.</summary>
    public static long BlockCount(long length) => (length + BlockSize - 1) / BlockSize;

    /// <summary>Height of the smallest complete tree over <paramref name="leafCount"/> leaves (0 for one leaf).</summary>
    public static int HeightFor(long leafCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(leafCount);
        return leafCount <= 1 ? 0 : BitOperations.Log2((ulong)(leafCount - 1)) + 1;
    }

    /// <summary>Height of a file's tree: its root's height above the leaves.</summary>
    public static int FileHeight(long fileLength) => HeightFor(BlockCount(fileLength));

    /// <summary>Height of the piece layer: one node there covers <paramref name="pieceLength"/> bytes.</summary>
    public static int PieceHeight(int pieceLength) => BitOperations.Log2((uint)(pieceLength / BlockSize));

    /// <summary>
    /// Height of the subtree whose root is the hash a whole piece of a file is checked against: the piece layer for a
    /// file longer than a piece, else the file's own (smaller) tree, whose root is the file's 'pieces root'.
    /// </summary>
    public static int PieceSubtreeHeight(long fileLength, int pieceLength) =>
        fileLength > pieceLength ? PieceHeight(pieceLength) : FileHeight(fileLength);

    /// <summary>parent = SHA-256(left ‖ right).</summary>
    public static void HashPair(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> parent)
    {
        Span<byte> pair = stackalloc byte[2 * HashSize];
        left[..HashSize].CopyTo(pair);
        right[..HashSize].CopyTo(pair[HashSize..]);
        SHA256.HashData(pair, parent);
    }

    /// <summary>Leaf hashes of <paramref name="data"/> cut into 16 KiB blocks (the last may be shorter), one per block.</summary>
    public static int HashBlocks(ReadOnlySpan<byte> data, Span<byte> leaves)
    {
        int count = (int)BlockCount(data.Length);
        if (leaves.Length < count * HashSize) throw new ArgumentException($"room for {count} hashes needed", nameof(leaves));
        for (int i = 0; i < count; i++)
        {
            int start = i * BlockSize;
            SHA256.HashData(data.Slice(start, Math.Min(BlockSize, data.Length - start)), leaves.Slice(i * HashSize, HashSize));
        }
        return count;
    }

    /// <summary>
    /// Replaces the first <paramref name="count"/> hashes at <paramref name="height"/> with their parents, in place: pairs
    /// from the left, a last odd node paired with the pad hash. Returns the number of parents.
    /// </summary>
    public static int ReduceLayer(Span<byte> hashes, int count, int height) => ReduceLayer(hashes, count, height, hashes);

    /// <summary>Writes the parents of <paramref name="count"/> children at <paramref name="height"/> to <paramref name="parents"/> (which may be the children's own memory).</summary>
    public static int ReduceLayer(ReadOnlySpan<byte> children, int count, int height, Span<byte> parents)
    {
        int parentCount = (count + 1) / 2;
        for (int i = 0; i < parentCount; i++)
        {
            var left = children.Slice(2 * i * HashSize, HashSize);
            var right = 2 * i + 1 < count ? children.Slice((2 * i + 1) * HashSize, HashSize) : PadHash(height);
            HashPair(left, right, parents.Slice(i * HashSize, HashSize)); // copies both children before writing slot i ≤ 2i
        }
        return parentCount;
    }

    /// <summary>
    /// The root at <paramref name="rootHeight"/> of <paramref name="count"/> hashes at <paramref name="height"/> (the
    /// leftmost nodes; every node after them is a pad). Overwrites <paramref name="hashes"/>.
    /// </summary>
    public static void RootInPlace(Span<byte> hashes, int count, int height, int rootHeight, Span<byte> root)
    {
        if (count < 1 || rootHeight < height || rootHeight > MaxHeight) throw new ArgumentOutOfRangeException(nameof(rootHeight));
        if (rootHeight - height < 31 && count > 1 << (rootHeight - height))
            throw new ArgumentException($"{count} nodes do not fit under one node {rootHeight - height} layers up", nameof(count));
        for (int h = height; h < rootHeight; h++)
        {
            // Once one node remains, the rest of the way up it is always paired with a pad on its right.
            count = count == 1 ? ReduceSingle(hashes, h) : ReduceLayer(hashes, count, h);
        }
        hashes[..HashSize].CopyTo(root);
    }

    /// <summary>
    /// The root of a subtree of <paramref name="subtreeHeight"/> over <paramref name="data"/>'s blocks (zero leaves after
    /// them): a piece's hash in its file's tree. <paramref name="scratch"/> holds one hash per block of the subtree.
    /// </summary>
    public static void DataRoot(ReadOnlySpan<byte> data, int subtreeHeight, Span<byte> scratch, Span<byte> root)
    {
        if (data.IsEmpty) throw new ArgumentException("no data to hash", nameof(data));
        if ((uint)subtreeHeight > 30 || data.Length > (long)BlockSize << subtreeHeight)
            throw new ArgumentException($"{data.Length} bytes do not fit under a subtree of height {subtreeHeight}", nameof(data));
        int count = HashBlocks(data, scratch);
        RootInPlace(scratch, count, 0, subtreeHeight, root);
    }

    private static int ReduceSingle(Span<byte> hashes, int height)
    {
        HashPair(hashes[..HashSize], PadHash(height), hashes[..HashSize]);
        return 1;
    }

    private static byte[] ComputePadHashes()
    {
        var table = new byte[(MaxHeight + 1) * HashSize]; // height 0: the zero leaf
        for (int h = 1; h <= MaxHeight; h++)
        {
            var below = table.AsSpan((h - 1) * HashSize, HashSize);
            HashPair(below, below, table.AsSpan(h * HashSize, HashSize));
        }
        return table;
    }
}
