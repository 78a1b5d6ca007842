using Shoal.Metainfo;
using Shoal.Storage;

namespace Shoal.Daemon.Torrents;

/// <summary>Bytes of each file covered by verified pieces (what a file list shows as its progress).</summary>
public static class FileProgress
{
    public static long[] Completed(TorrentInfo info, Bitfield? have)
    {
        ArgumentNullException.ThrowIfNull(info);
        var done = new long[info.Files.Count];
        if (have is null || have.IsEmpty) return done;
        long pieceLength = info.PieceLength;
        for (int i = 0; i < done.Length; i++)
        {
            var file = info.Files[i];
            if (file.Length == 0) continue;
            if (have.IsComplete)
            {
                done[i] = file.Length;
                continue;
            }
            int first = (int)(file.Offset / pieceLength), last = (int)((file.EndOffset - 1) / pieceLength);
            for (int piece = first; piece <= last; piece++)
            {
                if (!have[piece]) continue;
                long start = Math.Max(file.Offset, piece * pieceLength), end = Math.Min(file.EndOffset, (piece + 1) * pieceLength);
                done[i] += end - start;
            }
        }
        return done;
    }

    /// <summary>Verified bytes of the torrent, from its bitfield: file bytes only (padding excluded).</summary>
    public static long Verified(TorrentInfo info, Bitfield? have) => VerifiedData.Bytes(info, have);

    /// <summary>
    /// Transmission's sizeWhenDone and leftUntilDone: the file bytes of the pieces that hold wanted files (a piece shared
    /// with an unwanted file counts whole: it is fetched whole; padding never counts), and those of them not verified yet.
    /// </summary>
    public static (long SizeWhenDone, long LeftUntilDone) WhenDone(TorrentInfo info, Func<int, bool> wantsFile, Bitfield? have)
    {
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(wantsFile);
        var wanted = new bool[info.PieceCount];
        long pieceLength = info.PieceLength;
        for (int i = 0; i < info.Files.Count; i++)
        {
            var file = info.Files[i];
            if (file.IsPadding || file.Length == 0 || !wantsFile(i)) continue;
            int first = (int)(file.Offset / pieceLength), last = (int)((file.EndOffset - 1) / pieceLength);
            Array.Fill(wanted, true, first, last - first + 1);
        }
        long size = 0, left = 0;
        for (int piece = 0; piece < wanted.Length; piece++)
        {
            if (!wanted[piece]) continue;
            int bytes = info.PieceDataSize(piece);
            size += bytes;
            if (have is null || !have[piece]) left += bytes;
        }
        return (size, left);
    }
}
