using System.Security.Cryptography;
using Shoal.Metainfo;

namespace Shoal.Tests.Swarm;

/// <summary>Builds torrents over in-memory content for engine tests.</summary>
internal static class SwarmTestData
{
    public static byte[] RandomBytes(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    /// <summary>Reads a storage's whole content back (through the same API the engine uploads with).</summary>
    public static byte[] ReadAll(Shoal.Storage.IPieceStorage storage)
    {
        var info = storage.Info;
        var data = new byte[info.TotalLength];
        for (int piece = 0; piece < info.PieceCount; piece++)
            storage.ReadAsync(piece, 0, data.AsMemory((int)((long)piece * info.PieceLength), info.PieceSize(piece)), default).AsTask().GetAwaiter().GetResult();
        return data;
    }

    /// <summary>A multi-file torrent named <paramref name="name"/> over <paramref name="content"/>, cut into files of the given lengths (f0.bin, f1.bin, …).</summary>
    public static TorrentInfo MultiFile(byte[] content, int pieceLength, long[] fileLengths, string name = "album")
    {
        if (fileLengths.Sum() != content.Length) throw new ArgumentException("the file lengths must add up to the content", nameof(fileLengths));
        int pieces = (content.Length + pieceLength - 1) / pieceLength;
        var hashes = new byte[pieces * 20];
        for (int i = 0; i < pieces; i++)
        {
            int start = i * pieceLength;
            SHA1.HashData(content.AsSpan(start, Math.Min(pieceLength, content.Length - start)), hashes.AsSpan(i * 20));
        }
        return TorrentInfo.Create(name, pieceLength, hashes, [.. fileLengths.Select((length, i) => ((IReadOnlyList<string>)[$"f{i}.bin"], length, false))],
            multiFile: true);
    }

    public static TorrentInfo SingleFile(byte[] content, int pieceLength = 32 * 1024, string name = "data.bin")
    {
        int pieces = (content.Length + pieceLength - 1) / pieceLength;
        var hashes = new byte[pieces * 20];
        for (int i = 0; i < pieces; i++)
        {
            int start = i * pieceLength;
            SHA1.HashData(content.AsSpan(start, Math.Min(pieceLength, content.Length - start)), hashes.AsSpan(i * 20));
        }
        return TorrentInfo.Create(name, pieceLength, hashes, [([name], content.Length, false)], multiFile: false);
    }
}
