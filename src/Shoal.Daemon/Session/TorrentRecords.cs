using System.Text.Json;
using Shoal.Daemon.Store;
using Shoal.Daemon.Torrents;
using Shoal.Metainfo;
using Shoal.Storage;

namespace Shoal.Daemon.Session;

/// <summary>Converts between a torrent in memory and its row in the state database.</summary>
internal static class TorrentRecords
{
    public static StoredTorrent ToStored(DaemonTorrent t) => new(
        t.Id, t.InfoHash.ToHex(), t.MetainfoBytes, t.Magnet?.ToString(), t.DownloadDir, t.Paused, t.IsFinished, t.QueuePosition,
        t.AddedDate.ToUnixTimeSeconds(), Unix(t.DoneDate), Unix(t.ActivityDate), Unix(t.StartDate), Unix(t.EditDate), Counters(t),
        (t.Engine?.Have() ?? t.Have)?.ToWire(), t.LocalError,
        t.EditedTrackers is null ? null : JsonSerializer.Serialize(t.EditedTrackers), JsonSerializer.Serialize(t.Settings));

    public static StoredCounters Counters(DaemonTorrent t) => new(t.Uploaded, t.Downloaded, t.Corrupt, t.SecondsDownloading, t.SecondsSeeding);

    /// <summary>Rebuilds a torrent from its row; one that was running comes back queued to run again.</summary>
    public static DaemonTorrent FromStored(StoredTorrent row, DateTimeOffset now)
    {
        var infoHash = InfoHash.Parse(row.InfoHash);
        Torrent? metainfo = row.Metainfo is null ? null : Torrent.Parse(row.Metainfo);
        if (metainfo is not null && metainfo.InfoHash != infoHash) throw new FormatException("stored metainfo does not match the info-hash");
        var magnet = row.Magnet is null ? null : MagnetLink.Parse(row.Magnet);
        if (metainfo is null && magnet is null) throw new FormatException("neither metainfo nor magnet link stored");
        Bitfield? have = null;
        if (metainfo is not null && row.Have is not null) Bitfield.TryFromWire(row.Have, metainfo.Info.PieceCount, out have);
        var torrent = new DaemonTorrent(row.Id, infoHash)
        {
            Metainfo = metainfo,
            MetainfoBytes = row.Metainfo,
            Magnet = magnet,
            DownloadDir = row.DownloadDir,
            Settings = JsonSerializer.Deserialize<TorrentSettings>(row.Settings) ?? new TorrentSettings(),
            EditedTrackers = row.Trackers is null ? null : JsonSerializer.Deserialize<List<List<string>>>(row.Trackers),
            Paused = row.Paused,
            IsFinished = row.Finished,
            QueuePosition = row.QueuePosition,
            AddedDate = DateTimeOffset.FromUnixTimeSeconds(row.AddedDate),
            DoneDate = Date(row.DoneDate),
            ActivityDate = Date(row.ActivityDate),
            StartDate = Date(row.StartDate),
            EditDate = Date(row.EditDate),
            UploadedBefore = row.Counters.Uploaded,
            DownloadedBefore = row.Counters.Downloaded,
            CorruptBefore = row.Counters.Corrupt,
            SecondsDownloading = row.Counters.SecondsDownloading,
            SecondsSeeding = row.Counters.SecondsSeeding,
            Have = have,
            LocalError = row.Error,
            LastTransfer = now,
            AnyDate = now,
        };
        torrent.Phase = torrent.Paused || torrent.LocalError is not null ? TorrentPhase.Stopped : TorrentPhase.Queued;
        return torrent;
    }

    private static long Unix(DateTimeOffset? date) => date?.ToUnixTimeSeconds() ?? 0;

    private static DateTimeOffset? Date(long seconds) => seconds == 0 ? null : DateTimeOffset.FromUnixTimeSeconds(seconds);
}
