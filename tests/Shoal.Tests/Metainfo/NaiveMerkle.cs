using System.Security.Cryptography;

namespace Shoal.Tests.Metainfo;

/// <summary>
/// BEP 52's merkle tree written the obvious way, straight from the spec text, to check the product code against:
/// SHA-256 leaves over 16 KiB blocks, zero leaves up to a power of two, every parent the hash of its two children.
/// Slow and allocating on purpose.
/// </summary>
internal static class NaiveMerkle
{
    public const int Block = 16 * 1024;

    public static List<byte[]> Leaves(byte[] data)
    {
        var leaves = new List<byte[]>();
        for (int i = 0; i < data.Length; i += Block) leaves.Add(SHA256.HashData(data.AsSpan(i, Math.Min(Block, data.Length - i))));
        return leaves;
    }

    /// <summary>Every layer, leaves first, of the tree over <paramref name="nodes"/> padded with zero hashes to <paramref name="width"/>.</summary>
    public static List<List<byte[]>> Layers(List<byte[]> nodes, int width)
    {
        var layer = nodes.ToList();
        var zero = new byte[32];
        var pad = zero;
        while (layer.Count < width) layer.Add(zero);
        var layers = new List<List<byte[]>> { layer };
        while (layer.Count > 1)
        {
            var up = new List<byte[]>();
            for (int i = 0; i < layer.Count; i += 2) up.Add(SHA256.HashData([.. layer[i], .. layer[i + 1]]));
            layers.Add(layer = up);
        }
        return layers;
    }

    public static int Pow2AtLeast(int n)
    {
        int w = 1;
        while (w < n) w *= 2;
        return w;
    }

    /// <summary>A file's 'pieces root'.</summary>
    public static byte[] Root(byte[] data) => Layers(Leaves(data), Pow2AtLeast((data.Length + Block - 1) / Block))[^1][0];

    /// <summary>A file's piece layer (only the pieces that hold data), for pieces of <paramref name="pieceLength"/>.</summary>
    public static byte[] PieceLayer(byte[] data, int pieceLength)
    {
        var leaves = Leaves(data);
        var layers = Layers(leaves, Pow2AtLeast(leaves.Count));
        int height = System.Numerics.BitOperations.Log2((uint)(pieceLength / Block));
        int pieces = (data.Length + pieceLength - 1) / pieceLength;
        return [.. layers[height].Take(pieces).SelectMany(h => h)];
    }
}
