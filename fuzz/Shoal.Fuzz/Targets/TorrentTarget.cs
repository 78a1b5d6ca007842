using Shoal.Metainfo;
using Shoal.Swarm.V2;

namespace Shoal.Fuzz.Targets;

/// <summary>
/// <see cref="Torrent.Parse"/> and <see cref="TorrentInfo.Parse"/> (v1, v2 and hybrid): only <see cref="InvalidTorrentException"/>.
/// A torrent that parses must re-encode to one that parses to the same info-hashes, its pieces and files must add up, a
/// v2 file must start on a piece boundary, and its merkle state (<see cref="MerkleHashStore"/>) must build from it.
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
            CheckV2(torrent.Info, torrent.PieceLayers);
            var again = Torrent.Parse(torrent.Encode());
            if (again.InfoHashes != torrent.InfoHashes) throw new InvariantViolation("torrent: re-encoding changed the info-hashes");
            if (again.PieceLayers?.MissingFiles != torrent.PieceLayers?.MissingFiles) throw new InvariantViolation("torrent: re-encoding changed the piece layers");
            if (!again.AnnounceTiers.SelectMany(t => t).SequenceEqual(torrent.AnnounceTiers.SelectMany(t => t)))
                throw new InvariantViolation("torrent: re-encoding changed the trackers");
            accepted = true;
        }
        catch (InvalidTorrentException)
        {
        }

        try
        {
            var info = TorrentInfo.Parse(data);
            CheckInfo(info);
            CheckV2(info, null);
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
            if (info.HasV1) _ = info.PieceHash(i);
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

    private static void CheckV2(TorrentInfo info, PieceLayers? layers)
    {
        if (!info.HasV2) return;
        if (info.PieceCount > TorrentInfo.MaxPieceCount) throw new InvariantViolation($"torrent: {info.PieceCount} pieces accepted");
        foreach (var file in info.Files)
        {
            if (file.IsPadding || file.Length == 0) continue;
            if (file.Offset % info.PieceLength != 0) throw new InvariantViolation($"torrent: v2 file '{file.Path}' starts inside a piece");
            if (file.PiecesRoot.Length != 32) throw new InvariantViolation($"torrent: v2 file '{file.Path}' has no root");
        }
        var store = new MerkleHashStore(info, layers);
        Span<byte> hash = stackalloc byte[32];
        store.TryGetPieceHash(0, hash, out _);
        store.TryGetPieceHash(info.PieceCount - 1, hash, out _);
        if (store.IsComplete != (layers?.IsComplete ?? !Enumerable.Range(0, info.Files.Count).Any(i => PieceLayers.Needs(info, i))))
            throw new InvariantViolation("torrent: the merkle store and the piece layers disagree on what is missing");
        _ = store.MissingPieceLayerRequests().Take(4).ToList();
    }
}
