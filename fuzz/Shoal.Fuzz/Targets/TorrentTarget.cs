using Shoal.Metainfo;

namespace Shoal.Fuzz.Targets;

/// <summary>
/// <see cref="Torrent.Parse"/> and <see cref="TorrentInfo.Parse"/>: only <see cref="InvalidTorrentException"/>. A torrent
/// that parses must re-encode to one that parses to the same info-hash, and its pieces and files must add up.
/// </summary>
internal sealed class TorrentTarget : FuzzTarget
{
    public override string Name => "torrent";

    public override string Description => "Torrent.Parse / TorrentInfo.Parse: InvalidTorrentException only; accepted torrents re-encode to the same info-hash";

    public override bool Run(byte[] data)
    {
        bool accepted = false;
        try
        {
            var torrent = Torrent.Parse(data);
            CheckInfo(torrent.Info);
            var again = Torrent.Parse(torrent.Encode());
            if (again.InfoHash != torrent.InfoHash) throw new InvariantViolation("torrent: re-encoding changed the info-hash");
            if (!again.AnnounceTiers.SelectMany(t => t).SequenceEqual(torrent.AnnounceTiers.SelectMany(t => t)))
                throw new InvariantViolation("torrent: re-encoding changed the trackers");
            accepted = true;
        }
        catch (InvalidTorrentException)
        {
        }

        try
        {
            CheckInfo(TorrentInfo.Parse(data));
            accepted = true;
        }
        catch (InvalidTorrentException)
        {
        }
        return accepted;
    }

    private static void CheckInfo(TorrentInfo info)
    {
        if (info.PieceCount < 1) throw new InvariantViolation("torrent: accepted an info dictionary with no pieces");
        long pieces = 0;
        for (int i = 0; i < info.PieceCount; i++)
        {
            int size = info.PieceSize(i);
            if (size < 1 || size > info.PieceLength) throw new InvariantViolation($"torrent: piece {i} has size {size}");
            pieces += size;
            _ = info.PieceHash(i);
        }
        if (pieces != info.TotalLength) throw new InvariantViolation("torrent: piece sizes do not add up to the total length");
        long offset = 0;
        foreach (var file in info.Files)
        {
            if (file.Offset != offset || file.Length < 0) throw new InvariantViolation($"torrent: file '{file.Path}' has offset {file.Offset}, expected {offset}");
            offset += file.Length;
        }
        if (offset != info.TotalLength) throw new InvariantViolation("torrent: file lengths do not add up to the total length");
    }
}
