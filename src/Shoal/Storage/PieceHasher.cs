using System.Security.Cryptography;
using Shoal.Metainfo;

namespace Shoal.Storage;

/// <summary>Checks of whole pieces against the torrent's piece hashes: SHA-1 (v1), merkle roots (v2), or both (hybrid).</summary>
public static class PieceHasher
{
    /// <summary>
    /// True when <paramref name="data"/> is exactly piece <paramref name="piece"/>: the right length, the SHA-1 from the
    /// info dictionary (v1), and the v2 merkle hash when known (v2; a v2-only piece whose hash is not known yet fails).
    /// A hybrid's piece must match both: two descriptions of one piece that disagree mean a hostile torrent or peer.
    /// Does not allocate.
    /// </summary>
    public static bool Verify(TorrentInfo info, int piece, ReadOnlySpan<byte> data)
    {
        if ((uint)piece >= (uint)info.PieceCount) return false;
        if (data.Length != info.PieceSize(piece)) return false;
        if (info.HasV1)
        {
            Span<byte> hash = stackalloc byte[TorrentInfo.HashLength];
            SHA1.HashData(data, hash);
            if (!hash.SequenceEqual(info.PieceHash(piece))) return false;
        }
        return !info.HasV2 || (VerifyV2(info, piece, data) ?? info.HasV1);
    }

    /// <summary>
    /// The piece against its v2 merkle hash: its file's data, then zeros (padding up to the next file); null when the
    /// hash is not known yet (the file's piece layer is missing).
    /// </summary>
    public static bool? VerifyV2(TorrentInfo info, int piece, ReadOnlySpan<byte> data)
    {
        Span<byte> expected = stackalloc byte[Merkle.HashSize];
        if (!info.TryGetV2PieceHash(piece, expected, out int height, out int dataLength)) return null;
        if (data.Length < dataLength || data[dataLength..].ContainsAnyExcept((byte)0)) return false;
        return MerkleVerifier.VerifyPiece(data[..dataLength], expected, height);
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
