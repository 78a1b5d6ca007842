using System.Security.Cryptography;
using System.Text;
using Shoal.Bencoding;

namespace Shoal.Tests.Metainfo;

/// <summary>Builds info dictionaries and .torrent files (valid or deliberately broken) for tests.</summary>
internal static class TorrentSamples
{
    public const int PieceLength = 16 * 1024;

    /// <summary>Piece hashes of <paramref name="data"/> (real SHA-1s, so the sample is self-consistent).</summary>
    public static byte[] PieceHashes(ReadOnlySpan<byte> data, int pieceLength = PieceLength)
    {
        int count = (data.Length + pieceLength - 1) / pieceLength;
        var hashes = new byte[count * 20];
        for (int i = 0; i < count; i++)
            SHA1.HashData(data.Slice(i * pieceLength, Math.Min(pieceLength, data.Length - i * pieceLength)), hashes.AsSpan(i * 20));
        return hashes;
    }

    /// <summary>A single-file info dictionary for <paramref name="length"/> bytes (hash bytes are zeros of the right count).</summary>
    public static BDictionary SingleFileInfo(string name = "file.bin", long length = 40_000, int pieceLength = PieceLength)
    {
        return new BDictionary
        {
            { "length", length },
            { "name", name },
            { "piece length", pieceLength },
            { "pieces", new BString(new byte[PieceCount(length, pieceLength) * 20]) },
        };
    }

    /// <summary>A multi-file info dictionary; each file is (path with '/', length).</summary>
    public static BDictionary MultiFileInfo(string name, params (string Path, long Length)[] files) =>
        MultiFileInfo(name, PieceLength, files.Select(f => (f.Path, f.Length, false)).ToArray());

    public static BDictionary MultiFileInfo(string name, int pieceLength, (string Path, long Length, bool Padding)[] files)
    {
        var list = new BList();
        foreach (var (path, length, padding) in files)
        {
            var entry = new BDictionary { { "length", length }, { "path", PathList(path.Split('/')) } };
            if (padding) entry.Add("attr", "p");
            list.Add(entry);
        }
        long total = unchecked(files.Aggregate(0L, (sum, f) => sum + f.Length)); // tests may overflow on purpose
        return new BDictionary
        {
            { "files", list },
            { "name", name },
            { "piece length", pieceLength },
            { "pieces", new BString(new byte[total > 0 ? PieceCount(total, pieceLength) * 20 : 0]) },
        };
    }

    public static BList PathList(IEnumerable<string> segments) => new(segments.Select(s => (BValue)new BString(s)));

    public static long PieceCount(long total, int pieceLength) => (total + pieceLength - 1) / pieceLength;

    /// <summary>A whole .torrent around <paramref name="info"/> with the given extra top-level entries.</summary>
    public static byte[] TorrentFile(BDictionary info, params (string Key, BValue Value)[] fields)
    {
        var torrent = new BDictionary { { "info", info } };
        foreach (var (key, value) in fields) torrent.Add(key, value);
        return torrent.Encode();
    }

    public static byte[] Bytes(string latin1) => Encoding.Latin1.GetBytes(latin1);
}
