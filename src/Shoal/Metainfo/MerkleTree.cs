namespace Shoal.Metainfo;

/// <summary>
/// One file's merkle tree from a known layer up to the root: typically the piece layer (from the .torrent's
/// 'piece layers' or from peers), or the leaves of a small file. Every layer above the base is kept, so any node a
/// proof needs is a lookup; that is about twice the base layer's size. Nodes past the file's end are pads
/// (<see cref="Merkle.PadHash"/>) and are not stored.
/// </summary>
public sealed class MerkleTree
{
    private readonly byte[][] _layers; // _layers[0] is the base layer; the last holds the root

    private MerkleTree(byte[][] layers, int baseHeight)
    {
        _layers = layers;
        BaseHeight = baseHeight;
    }

    /// <summary>Height of the lowest layer held (0: the leaves).</summary>
    public int BaseHeight { get; }

    /// <summary>Height of the root.</summary>
    public int Height => BaseHeight + _layers.Length - 1;

    public ReadOnlySpan<byte> Root => _layers[^1];

    /// <summary>Real (not pad) nodes in the base layer.</summary>
    public int BaseCount => _layers[0].Length / Merkle.HashSize;

    /// <summary>
    /// Builds the tree over <paramref name="baseHashes"/> at <paramref name="baseHeight"/> up to a root at
    /// <paramref name="height"/>. Throws <see cref="ArgumentException"/> when the hashes do not fit under that root.
    /// </summary>
    public static MerkleTree Build(ReadOnlySpan<byte> baseHashes, int baseHeight, int height)
    {
        if (baseHashes.IsEmpty || baseHashes.Length % Merkle.HashSize != 0)
            throw new ArgumentException("the base layer must hold one or more 32-byte hashes", nameof(baseHashes));
        if (baseHeight < 0 || height < baseHeight || height > Merkle.MaxHeight) throw new ArgumentOutOfRangeException(nameof(height));
        long count = baseHashes.Length / Merkle.HashSize;
        if (height - baseHeight < 31 && count > 1L << (height - baseHeight))
            throw new ArgumentException($"{count} hashes do not fit under a root {height - baseHeight} layers up", nameof(baseHashes));

        var layers = new byte[height - baseHeight + 1][];
        layers[0] = baseHashes.ToArray();
        for (int i = 1; i < layers.Length; i++)
        {
            int children = layers[i - 1].Length / Merkle.HashSize;
            layers[i] = new byte[(children + 1) / 2 * Merkle.HashSize];
            Merkle.ReduceLayer(layers[i - 1], children, baseHeight + i - 1, layers[i]);
        }
        return new MerkleTree(layers, baseHeight);
    }

    /// <summary>The node at <paramref name="height"/> and <paramref name="index"/> (a pad hash past the file's end).</summary>
    public ReadOnlySpan<byte> Node(int height, long index)
    {
        if (height < BaseHeight || height > Height) throw new ArgumentOutOfRangeException(nameof(height), height, $"this tree holds heights {BaseHeight} to {Height}");
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        if (index >= 1L << Math.Min(62, Height - height)) throw new ArgumentOutOfRangeException(nameof(index), index, "past the width of the tree");
        var layer = _layers[height - BaseHeight];
        return index < layer.Length / Merkle.HashSize ? layer.AsSpan((int)index * Merkle.HashSize, Merkle.HashSize) : Merkle.PadHash(height);
    }

    /// <summary>The real nodes of one layer, concatenated (pads not included).</summary>
    public ReadOnlySpan<byte> Layer(int height)
    {
        if (height < BaseHeight || height > Height) throw new ArgumentOutOfRangeException(nameof(height));
        return _layers[height - BaseHeight];
    }
}
