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

    /// <summary>Verified bytes of the torrent, from its bitfield.</summary>
    public static long Verified(TorrentInfo info, Bitfield? have)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (have is null || have.IsEmpty) return 0;
        long bytes = (long)have.SetCount * info.PieceLength;
        int last = info.PieceCount - 1;
        if (have[last]) bytes -= info.PieceLength - info.PieceSize(last);
        return bytes;
    }

    /// <summary>The file's display name as Transmission gives it: the path inside the torrent, including its top folder.</summary>
    public static string DisplayName(TorrentInfo info, int file) =>
        info.IsMultiFile ? info.Name + "/" + info.Files[file].Path : info.Name;
}
