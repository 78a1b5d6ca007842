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
