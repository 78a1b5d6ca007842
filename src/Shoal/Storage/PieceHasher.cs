using System.Security.Cryptography;
using Shoal.Metainfo;

namespace Shoal.Storage;

/// <summary>SHA-1 checks of whole pieces against the torrent's piece hashes.</summary>
public static class PieceHasher
{
    /// <summary>
    /// True when <paramref name="data"/> is exactly piece <paramref name="piece"/>: the right length and the
    /// SHA-1 from the info dictionary. Does not allocate.
    /// </summary>
    public static bool Verify(TorrentInfo info, int piece, ReadOnlySpan<byte> data)
    {
        if ((uint)piece >= (uint)info.PieceCount) return false;
        if (data.Length != info.PieceSize(piece)) return false;
        Span<byte> hash = stackalloc byte[TorrentInfo.HashLength];
        SHA1.HashData(data, hash);
        return hash.SequenceEqual(info.PieceHash(piece));
    }

    /// <summary>
    /// Concatenated SHA-1 hashes of <paramref name="data"/> cut into pieces of <paramref name="pieceLength"/>
    /// (the last one shorter): the 'pieces' value of an info dictionary.
    /// </summary>
    public static byte[] HashPieces(ReadOnlySpan<byte> data, int pieceLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pieceLength);
        int count = (int)(((long)data.Length + pieceLength - 1) / pieceLength);
        var hashes = new byte[count * TorrentInfo.HashLength];
        for (int i = 0; i < count; i++)
        {
            var piece = data.Slice(i * pieceLength, Math.Min(pieceLength, data.Length - i * pieceLength));
            SHA1.HashData(piece, hashes.AsSpan(i * TorrentInfo.HashLength, TorrentInfo.HashLength));
        }
        return hashes;
    }
}
