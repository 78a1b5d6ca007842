using System.Text.Json;
using Shoal.Daemon.Engine;
using Shoal.Daemon.Torrents;

namespace Shoal.Daemon.Rpc.Methods;

/// <summary>
/// The value of each torrent-get field, with the JSON types Transmission 4.0 uses (libtransmission/rpcimpl.cc): integers
/// for counts, dates (Unix seconds) and rates (bytes/s); doubles for fractions and ratios; <c>wanted</c> as 0/1 integers
/// but <c>fileStats[].wanted</c> as booleans. Shoal additions: <c>peersKnown</c> (addresses known, as before RPC 13),
/// <c>piecesInFlight</c> (a bitfield like <c>pieces</c>) and Transmission 4.1's <c>sequential_download</c>.
/// </summary>
internal static class TorrentFields
{
    /// <summary>Lazily fetched parts of one torrent, so a request pays only for the fields it asks for.</summary>
    public sealed class Context(IHostedTorrent torrent)
    {
        private TorrentSnapshot? _snapshot;
        private IReadOnlyList<FileView>? _files;
        private IReadOnlyList<TrackerView>? _trackers;

        public IHostedTorrent Torrent { get; } = torrent;

        public TorrentSnapshot S => _snapshot ??= Torrent.Snapshot();

        public IReadOnlyList<FileView> Files => _files ??= Torrent.Files();

        public IReadOnlyList<TrackerView> Trackers => _trackers ??= Torrent.Trackers();
    }

    private static readonly Dictionary<string, Action<Utf8JsonWriter, Context>> Writers = new(StringComparer.Ordinal)
    {
        ["activityDate"] = (w, c) => w.WriteNumberValue(c.S.ActivityDate),
        ["addedDate"] = (w, c) => w.WriteNumberValue(c.S.AddedDate),
        ["bandwidthPriority"] = (w, c) => w.WriteNumberValue(c.S.Settings.BandwidthPriority),
        ["comment"] = (w, c) => w.WriteStringValue(c.S.Metainfo?.Comment ?? ""),
        ["corruptEver"] = (w, c) => w.WriteNumberValue(c.S.CorruptEver),
        ["creator"] = (w, c) => w.WriteStringValue(c.S.Metainfo?.CreatedBy ?? ""),
        ["dateCreated"] = (w, c) => w.WriteNumberValue(c.S.Metainfo?.CreationDate?.ToUnixTimeSeconds() ?? 0),
        ["desiredAvailable"] = (w, c) => w.WriteNumberValue(c.S.DesiredAvailable),
        ["doneDate"] = (w, c) => w.WriteNumberValue(c.S.DoneDate),
        ["downloadDir"] = (w, c) => w.WriteStringValue(c.S.DownloadDir),
        ["downloadedEver"] = (w, c) => w.WriteNumberValue(c.S.DownloadedEver),
        ["downloadLimit"] = (w, c) => w.WriteNumberValue(c.S.Settings.DownloadLimit),
        ["downloadLimited"] = (w, c) => w.WriteBooleanValue(c.S.Settings.DownloadLimited),
        ["editDate"] = (w, c) => w.WriteNumberValue(c.S.EditDate),
        ["error"] = (w, c) => w.WriteNumberValue((int)c.S.Error),
        ["errorString"] = (w, c) => w.WriteStringValue(c.S.ErrorString),
        ["eta"] = (w, c) => w.WriteNumberValue(c.S.Eta),
        ["etaIdle"] = (w, c) => w.WriteNumberValue(c.S.EtaIdle),
        ["file-count"] = (w, c) => w.WriteNumberValue(c.S.Metainfo is { } m ? FileIndexMap.Of(m.Info).Count : 0),
        ["files"] = WriteFiles,
        ["fileStats"] = WriteFileStats,
        ["group"] = (w, c) => w.WriteStringValue(c.S.Settings.Group),
        ["hashString"] = (w, c) => w.WriteStringValue(c.Torrent.InfoHash.ToHex()),
        ["haveUnchecked"] = (w, _) => w.WriteNumberValue(0), // Shoal keeps no unverified pieces
        ["haveValid"] = (w, c) => w.WriteNumberValue(c.S.HaveValid),
        ["honorsSessionLimits"] = (w, c) => w.WriteBooleanValue(c.S.Settings.HonorsSessionLimits),
        ["id"] = (w, c) => w.WriteNumberValue(c.Torrent.Id),
        ["isFinished"] = (w, c) => w.WriteBooleanValue(c.S.IsFinished),
        ["isPrivate"] = (w, c) => w.WriteBooleanValue(c.S.Metainfo?.Info.IsPrivate ?? false),
        ["isStalled"] = (w, c) => w.WriteBooleanValue(c.S.IsStalled),
        ["labels"] = (w, c) => WriteStrings(w, c.S.Settings.Labels),
        ["leftUntilDone"] = (w, c) => w.WriteNumberValue(c.S.LeftUntilDone),
        ["magnetLink"] = (w, c) => w.WriteStringValue(c.S.MagnetLink),
        ["manualAnnounceTime"] = (w, c) => w.WriteNumberValue(c.S.IsRunning ? 0 : -1), // 0: a re-announce may be asked for now
        ["maxConnectedPeers"] = (w, c) => w.WriteNumberValue(c.S.Settings.PeerLimit),
        ["metadataPercentComplete"] = (w, c) => w.WriteNumberValue(c.S.MetadataPercentComplete),
        ["name"] = (w, c) => w.WriteStringValue(c.S.Name),
        ["peer-limit"] = (w, c) => w.WriteNumberValue(c.S.Settings.PeerLimit),
        ["peers"] = (w, c) => PeerFields.WritePeers(w, c.Torrent.Peers()),
        ["peersConnected"] = (w, c) => w.WriteNumberValue(c.S.PeersConnected),
        ["peersFrom"] = (w, c) => PeerFields.WritePeersFrom(w, c.S.PeersFrom),
        ["peersGettingFromUs"] = (w, c) => w.WriteNumberValue(c.S.PeersGettingFromUs),
        ["peersSendingToUs"] = (w, c) => w.WriteNumberValue(c.S.PeersSendingToUs),
        ["percentComplete"] = (w, c) => w.WriteNumberValue(c.S.PercentComplete),
        ["percentDone"] = (w, c) => w.WriteNumberValue(c.S.PercentDone),
        ["piecesInFlight"] = (w, c) => w.WriteStringValue(c.Torrent.PiecesInFlight() is { } bits ? Convert.ToBase64String(bits) : ""),
        ["peersKnown"] = (w, c) => w.WriteNumberValue(c.S.PeersKnown),
        ["availability"] = (w, c) => WriteInts(w, c.Torrent.Availability()),
        ["pieces"] = (w, c) => w.WriteStringValue(c.Torrent.Pieces() is { } bits ? Convert.ToBase64String(bits) : ""),
        ["pieceCount"] = (w, c) => w.WriteNumberValue(c.S.Metainfo?.Info.PieceCount ?? 0),
        ["pieceSize"] = (w, c) => w.WriteNumberValue(c.S.Metainfo?.Info.PieceLength ?? 0),
        ["primary-mime-type"] = (w, c) => w.WriteStringValue(MimeTypes.Primary(c.S.Metainfo?.Info)),
        ["priorities"] = (w, c) => WriteInts(w, c.Files.Select(f => f.Priority)),
        ["queuePosition"] = (w, c) => w.WriteNumberValue(c.S.QueuePosition),
        ["rateDownload"] = (w, c) => w.WriteNumberValue(c.S.RateDownload),
        ["rateUpload"] = (w, c) => w.WriteNumberValue(c.S.RateUpload),
        ["recheckProgress"] = (w, c) => w.WriteNumberValue(c.S.RecheckProgress),
        ["secondsDownloading"] = (w, c) => w.WriteNumberValue(c.S.SecondsDownloading),
        ["secondsSeeding"] = (w, c) => w.WriteNumberValue(c.S.SecondsSeeding),
        ["seedIdleLimit"] = (w, c) => w.WriteNumberValue(c.S.Settings.SeedIdleLimit),
        ["seedIdleMode"] = (w, c) => w.WriteNumberValue((int)c.S.Settings.SeedIdleMode),
        ["seedRatioLimit"] = (w, c) => w.WriteNumberValue(c.S.Settings.SeedRatioLimit),
        ["seedRatioMode"] = (w, c) => w.WriteNumberValue((int)c.S.Settings.SeedRatioMode),
        // Transmission 4.1 names it sequential_download (its snake_case names); this camelCase RPC also answers sequentialDownload.
        ["sequentialDownload"] = (w, c) => w.WriteBooleanValue(c.S.Settings.Sequential),
        ["sequential_download"] = (w, c) => w.WriteBooleanValue(c.S.Settings.Sequential),
        ["sizeWhenDone"] = (w, c) => w.WriteNumberValue(c.S.SizeWhenDone),
        ["startDate"] = (w, c) => w.WriteNumberValue(c.S.StartDate),
        ["status"] = (w, c) => w.WriteNumberValue((int)c.S.Activity),
        ["torrentFile"] = (w, _) => w.WriteStringValue(""), // the metainfo lives in the state database, not in a file
        ["totalSize"] = (w, c) => w.WriteNumberValue(c.S.TotalSize),
        ["trackerList"] = (w, c) => w.WriteStringValue(TrackerFields.TrackerList(c.S.TrackerTiers)),
        ["trackers"] = (w, c) => TrackerFields.WriteTrackers(w, c.Trackers),
        ["trackerStats"] = (w, c) => TrackerFields.WriteTrackerStats(w, c.Trackers),
        ["uploadedEver"] = (w, c) => w.WriteNumberValue(c.S.UploadedEver),
        ["uploadLimit"] = (w, c) => w.WriteNumberValue(c.S.Settings.UploadLimit),
        ["uploadLimited"] = (w, c) => w.WriteBooleanValue(c.S.Settings.UploadLimited),
        ["uploadRatio"] = (w, c) => w.WriteNumberValue(c.S.UploadRatio),
        ["wanted"] = (w, c) => WriteInts(w, c.Files.Select(f => f.Wanted ? 1 : 0)),
        ["webseeds"] = (w, c) => WriteStrings(w, c.S.Metainfo?.WebSeeds ?? []),
        ["webseedsSendingToUs"] = (w, c) => w.WriteNumberValue(c.S.WebSeedsSendingToUs),
    };

    public static IReadOnlyCollection<string> Supported => Writers.Keys;

    public static bool IsSupported(string field) => Writers.ContainsKey(field);

    public static void Write(Utf8JsonWriter output, string field, Context context) => Writers[field](output, context);

    private static void WriteFiles(Utf8JsonWriter w, Context c)
    {
        w.WriteStartArray();
        foreach (var file in c.Files)
        {
            w.WriteStartObject();
            w.WriteNumber("bytesCompleted", file.BytesCompleted);
            w.WriteNumber("length", file.Length);
            w.WriteString("name", file.Name);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static void WriteFileStats(Utf8JsonWriter w, Context c)
    {
        w.WriteStartArray();
        foreach (var file in c.Files)
        {
            w.WriteStartObject();
            w.WriteNumber("bytesCompleted", file.BytesCompleted);
            w.WriteNumber("priority", file.Priority);
            w.WriteBoolean("wanted", file.Wanted);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static void WriteInts(Utf8JsonWriter w, IEnumerable<int> values)
    {
        w.WriteStartArray();
        foreach (int value in values) w.WriteNumberValue(value);
        w.WriteEndArray();
    }

    private static void WriteStrings(Utf8JsonWriter w, IEnumerable<string> values)
    {
        w.WriteStartArray();
        foreach (var value in values) w.WriteStringValue(value);
        w.WriteEndArray();
    }
}
