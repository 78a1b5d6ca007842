using Shoal.Metainfo;

namespace Shoal.Storage;

/// <summary>
/// Verified pieces turned into bytes: the file bytes they hold, padding excluded (see <see cref="TorrentInfo.DataLength"/>).
/// Progress, "have", "left" and the daemon's haveValid all count this way, for v1, v2 and hybrid torrents alike.
/// </summary>
public static class VerifiedData
{
    /// <summary>File bytes inside the pieces set in <paramref name="have"/> (one bit per piece of <paramref name="info"/>).</summary>
    public static long Bytes(TorrentInfo info, Bitfield? have)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (have is null || have.IsEmpty) return 0;
        if (have.Count != info.PieceCount) throw new ArgumentException($"the bitfield has {have.Count} bits for {info.PieceCount} pieces", nameof(have));
        if (have.IsComplete) return info.DataLength;
        long bytes = (long)have.SetCount * info.PieceLength;
        int last = info.PieceCount - 1;
        if (have[last]) bytes -= info.PieceLength - info.PieceSize(last);
        // Padding is rare and short (less than a piece): subtracting its share of verified pieces costs one pass over it.
        long pieceLength = info.PieceLength;
        foreach (var (start, end) in info.Padding)
        {
            for (long piece = start / pieceLength; piece * pieceLength < end; piece++)
                if (have[(int)piece]) bytes -= Math.Min(end, (piece + 1) * pieceLength) - Math.Max(start, piece * pieceLength);
        }
        return bytes;
    }
}
