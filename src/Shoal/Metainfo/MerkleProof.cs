using System.Buffers;
using System.Numerics;

namespace Shoal.Metainfo;

/// <summary>
/// The contents of a BEP 52 'hashes' answer: <c>count</c> hashes of one layer (the base, starting at <c>index</c>, a
/// multiple of <c>count</c>), then the uncle hashes that tie the base hashes' subtree to an ancestor the receiver
/// already trusts (the file's root, or a piece-layer hash). Proof layers inside the base hashes' own subtree are
/// omitted, so <c>count</c> = 2^k with p proof layers carries p − k + 1 uncles, lowest first.
/// </summary>
public static class MerkleProof
{
    /// <summary>Uncle hashes after <paramref name="count"/> base hashes when <paramref name="proofLayers"/> are asked for.</summary>
    public static int UncleCount(int count, int proofLayers) =>
        Math.Max(0, proofLayers - BitOperations.Log2((uint)Math.Max(count, 1)) + 1);

    /// <summary>
    /// Writes the answer to a hash request from <paramref name="tree"/>: base hashes at <paramref name="baseHeight"/>
    /// (pads past the file's end), then uncles. Returns the bytes written, or -1 when the request is outside the tree
    /// (the caller answers with a hash reject).
    /// </summary>
    public static int Write(MerkleTree tree, int baseHeight, long index, int count, int proofLayers, Span<byte> destination) =>
        Write(tree, null, 0, baseHeight, index, count, proofLayers, destination);

    /// <summary>
    /// As <see cref="Write(MerkleTree, int, long, int, int, Span{byte})"/> for base hashes below the tree's base (leaf
    /// hashes under a piece-layer tree): <paramref name="window"/> is the subtree, built from the leaves the caller hashed,
    /// whose root is the node of <paramref name="tree"/> at the window's height and index <paramref name="windowIndex"/>.
    /// </summary>
    public static int Write(MerkleTree tree, MerkleTree? window, long windowIndex, int baseHeight, long index, int count, int proofLayers,
        Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(tree);
        if (!IsValidRequest(tree.Height, baseHeight, index, count, proofLayers)) return -1;
        int lowest = window?.BaseHeight ?? tree.BaseHeight;
        if (baseHeight < lowest) return -1;
        if (window is not null)
        {
            // The window must cover the requested range and reach the tree's base, so every node comes from one or the other.
            long first = windowIndex << (window.Height - baseHeight);
            if (window.Height < tree.BaseHeight || window.Height > tree.Height || index < first || index + count > first + (1L << (window.Height - baseHeight)))
                return -1;
        }
        int uncles = UncleCount(count, proofLayers);
        int total = (count + uncles) * Merkle.HashSize;
        if (destination.Length < total) throw new ArgumentException($"room for {count + uncles} hashes needed", nameof(destination));

        for (int i = 0; i < count; i++) NodeAt(tree, window, windowIndex, baseHeight, index + i).CopyTo(destination[(i * Merkle.HashSize)..]);
        int subtreeHeight = baseHeight + BitOperations.Log2((uint)count);
        for (int u = 0; u < uncles; u++)
        {
            int height = subtreeHeight + u;
            long sibling = (index >> (height - baseHeight)) ^ 1;
            NodeAt(tree, window, windowIndex, height, sibling).CopyTo(destination[((count + u) * Merkle.HashSize)..]);
        }
        return total;
    }

    /// <summary>
    /// BEP 52's limits on a hash request against a file tree of height <paramref name="treeHeight"/>: a power-of-two
    /// count of at least two whose range lies inside the base layer, starting at a multiple of the count, and proof
    /// layers that stop below the root (which both sides know).
    /// </summary>
    public static bool IsValidRequest(int treeHeight, int baseHeight, long index, int count, int proofLayers)
    {
        if (baseHeight < 0 || baseHeight >= treeHeight || proofLayers < 0 || proofLayers >= treeHeight - baseHeight) return false;
        if (count < 2 || !BitOperations.IsPow2(count) || index < 0 || index % count != 0) return false;
        long width = 1L << (treeHeight - baseHeight);
        return index + count <= width;
    }

    /// <summary>
    /// The ancestor a 'hashes' answer proves: hashes <paramref name="baseHashes"/> (<paramref name="count"/> of them, a
    /// power of two, at <paramref name="baseHeight"/> from <paramref name="index"/>) up to their subtree's root, then
    /// climbs through <paramref name="uncles"/>. Writes the ancestor's hash to <paramref name="ancestor"/> and returns its
    /// height and index; the caller compares it with the node it trusts there.
    /// </summary>
    public static (int Height, long Index) Climb(ReadOnlySpan<byte> baseHashes, int count, int baseHeight, long index,
        ReadOnlySpan<byte> uncles, Span<byte> ancestor)
    {
        if (count < 1 || !BitOperations.IsPow2(count) || baseHashes.Length != count * Merkle.HashSize)
            throw new ArgumentException("the base must be a power of two of 32-byte hashes", nameof(baseHashes));
        if (index < 0 || index % count != 0) throw new ArgumentOutOfRangeException(nameof(index), index, "must be a multiple of the count");
        if (uncles.Length % Merkle.HashSize != 0) throw new ArgumentException("uncles must be 32-byte hashes", nameof(uncles));
        int k = BitOperations.Log2((uint)count);
        int height = baseHeight + k;
        int climbs = uncles.Length / Merkle.HashSize;
        if (height + climbs > Merkle.MaxHeight) throw new ArgumentException("the proof climbs past any real tree", nameof(uncles));

        byte[]? rented = null;
        Span<byte> scratch = baseHashes.Length <= 16 * 1024 ? stackalloc byte[baseHashes.Length] : (rented = ArrayPool<byte>.Shared.Rent(baseHashes.Length));
        try
        {
            baseHashes.CopyTo(scratch);
            // A complete subtree: no pads inside it, the base hashes stand for every node.
            for (int n = count; n > 1; n /= 2) Merkle.ReduceLayer(scratch, n, height - BitOperations.Log2((uint)n));
            long position = index >> k;
            for (int u = 0; u < climbs; u++, height++, position >>= 1)
            {
                var uncle = uncles.Slice(u * Merkle.HashSize, Merkle.HashSize);
                if ((position & 1) == 0) Merkle.HashPair(scratch, uncle, scratch);
                else Merkle.HashPair(uncle, scratch, scratch);
            }
            scratch[..Merkle.HashSize].CopyTo(ancestor);
            return (height, position);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>True when the answer's base hashes and uncles lead to <paramref name="expected"/> at <paramref name="expectedHeight"/>.</summary>
    public static bool Verify(ReadOnlySpan<byte> baseHashes, int count, int baseHeight, long index, ReadOnlySpan<byte> uncles,
        ReadOnlySpan<byte> expected, int expectedHeight)
    {
        Span<byte> ancestor = stackalloc byte[Merkle.HashSize];
        var (height, _) = Climb(baseHashes, count, baseHeight, index, uncles, ancestor);
        return height == expectedHeight && ancestor.SequenceEqual(expected);
    }

    /// <summary>A node from the window when it lies under the window's root, else from the tree.</summary>
    private static ReadOnlySpan<byte> NodeAt(MerkleTree tree, MerkleTree? window, long windowIndex, int height, long index) =>
        window is not null && height <= window.Height && index >> (window.Height - height) == windowIndex
            ? window.Node(height, index - (windowIndex << (window.Height - height)))
            : tree.Node(height, index);
}
