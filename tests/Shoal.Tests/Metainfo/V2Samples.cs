using Shoal.Bencoding;

namespace Shoal.Tests.Metainfo;

/// <summary>Hand-built v2 and hybrid info dictionaries (roots from <see cref="NaiveMerkle"/>), valid or deliberately broken.</summary>
internal static class V2Samples
{
    public static byte[] Data(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    /// <summary>A file node of the file tree: {"": {length, pieces root}}.</summary>
    public static BDictionary FileNode(long length, byte[]? root)
    {
        var properties = new BDictionary { { "length", length } };
        if (root is not null) properties.Add("pieces root", new BString(root));
        return new BDictionary { { "", properties } };
    }

    public static BDictionary FileNode(byte[] data) => FileNode(data.Length, data.Length > 0 ? NaiveMerkle.Root(data) : null);

    /// <summary>A v2 info dictionary over files given as ('/'-separated path, contents).</summary>
    public static BDictionary V2Info(string name, int pieceLength, params (string Path, byte[] Data)[] files)
    {
        var tree = new BDictionary();
        foreach (var (path, data) in files)
        {
            var segments = path.Split('/');
            var folder = tree;
            foreach (var segment in segments[..^1])
            {
                if (folder[segment] is not BDictionary child) folder.Add(segment, child = new BDictionary());
                folder = child;
            }
            folder.Add(segments[^1], FileNode(data));
        }
        return new BDictionary { { "file tree", tree }, { "meta version", 2 }, { "name", name }, { "piece length", pieceLength } };
    }

    /// <summary>The 'piece layers' dictionary for files longer than a piece.</summary>
    public static BDictionary Layers(int pieceLength, params byte[][] files)
    {
        var layers = new BDictionary();
        foreach (var data in files.Where(d => d.Length > pieceLength))
            layers.Set(NaiveMerkle.Root(data), new BString(NaiveMerkle.PieceLayer(data, pieceLength)));
        return layers;
    }
}
