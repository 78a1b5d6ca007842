using System.Text.Json;
using Shoal.Daemon.Session;
using Shoal.Transport.Mse;

namespace Shoal.Daemon.Rpc.Methods;

/// <summary>
/// session-get's fields with Transmission 4.0's names and types. Features Shoal does not have report their off state
/// (blocklist, incomplete-dir, scripts, port forwarding).
/// </summary>
internal static class SessionFields
{
    public const int RpcVersion = 17;
    public const int RpcVersionMinimum = 14;
    public const string RpcVersionSemver = "5.3.0";

    private static readonly Dictionary<string, Action<Utf8JsonWriter, ITorrentHost, SessionSettings>> Writers = new(StringComparer.Ordinal)
    {
        ["alt-speed-down"] = (w, _, s) => w.WriteNumberValue(s.AltSpeedDown),
        ["alt-speed-enabled"] = (w, _, s) => w.WriteBooleanValue(s.AltSpeedEnabled),
        ["alt-speed-time-begin"] = (w, _, s) => w.WriteNumberValue(s.AltSpeedTimeBegin),
        ["alt-speed-time-day"] = (w, _, s) => w.WriteNumberValue(s.AltSpeedTimeDay),
        ["alt-speed-time-enabled"] = (w, _, s) => w.WriteBooleanValue(s.AltSpeedTimeEnabled),
        ["alt-speed-time-end"] = (w, _, s) => w.WriteNumberValue(s.AltSpeedTimeEnd),
        ["alt-speed-up"] = (w, _, s) => w.WriteNumberValue(s.AltSpeedUp),
        ["blocklist-enabled"] = (w, _, _) => w.WriteBooleanValue(false),
        ["blocklist-size"] = (w, _, _) => w.WriteNumberValue(0),
        ["blocklist-url"] = (w, _, _) => w.WriteStringValue(""),
        ["cache-size-mb"] = (w, _, _) => w.WriteNumberValue(4), // the engine's upload read cache
        ["config-dir"] = (w, h, _) => w.WriteStringValue(h.Facts.ConfigDir),
        ["default-trackers"] = (w, _, _) => w.WriteStringValue(""),
        ["dht-enabled"] = (w, h, _) => w.WriteBooleanValue(h.DhtRunning),
        ["download-dir"] = (w, _, s) => w.WriteStringValue(s.DownloadDir),
        ["download-dir-free-space"] = (w, _, s) => w.WriteNumberValue(SystemMethods.Space(s.DownloadDir).Free),
        ["download-queue-enabled"] = (w, _, s) => w.WriteBooleanValue(s.DownloadQueueEnabled),
        ["download-queue-size"] = (w, _, s) => w.WriteNumberValue(s.DownloadQueueSize),
        ["encryption"] = (w, h, _) => w.WriteStringValue(h.Transports.Encryption.ToTransmissionName()),
        ["idle-seeding-limit"] = (w, _, s) => w.WriteNumberValue(s.IdleSeedingLimit),
        ["idle-seeding-limit-enabled"] = (w, _, s) => w.WriteBooleanValue(s.IdleSeedingLimitEnabled),
        ["incomplete-dir"] = (w, _, s) => w.WriteStringValue(s.DownloadDir),
        ["incomplete-dir-enabled"] = (w, _, _) => w.WriteBooleanValue(false),
        ["lpd-enabled"] = (w, h, _) => w.WriteBooleanValue(h.Facts.LpdEnabled),
        // No global cap of its own: the bound in force is the per-torrent one times the torrents (clients need the field).
        ["peer-limit-global"] = (w, h, s) => w.WriteNumberValue((long)s.PeerLimitPerTorrent * Math.Max(1, h.Torrents.Count)),
        ["peer-limit-per-torrent"] = (w, _, s) => w.WriteNumberValue(s.PeerLimitPerTorrent),
        ["peer-port"] = (w, h, _) => w.WriteNumberValue(h.Facts.PeerPort),
        ["peer-port-random-on-start"] = (w, _, _) => w.WriteBooleanValue(false),
        ["pex-enabled"] = (w, h, _) => w.WriteBooleanValue(h.Facts.PexEnabled),
        ["port-forwarding-enabled"] = (w, _, _) => w.WriteBooleanValue(false),
        ["queue-stalled-enabled"] = (w, _, s) => w.WriteBooleanValue(s.QueueStalledEnabled),
        ["queue-stalled-minutes"] = (w, _, s) => w.WriteNumberValue(s.QueueStalledMinutes),
        ["rename-partial-files"] = (w, _, _) => w.WriteBooleanValue(true),
        ["rpc-version"] = (w, _, _) => w.WriteNumberValue(RpcVersion),
        ["rpc-version-minimum"] = (w, _, _) => w.WriteNumberValue(RpcVersionMinimum),
        ["rpc-version-semver"] = (w, _, _) => w.WriteStringValue(RpcVersionSemver),
        ["script-torrent-added-enabled"] = (w, _, _) => w.WriteBooleanValue(false),
        ["script-torrent-added-filename"] = (w, _, _) => w.WriteStringValue(""),
        ["script-torrent-done-enabled"] = (w, _, _) => w.WriteBooleanValue(false),
        ["script-torrent-done-filename"] = (w, _, _) => w.WriteStringValue(""),
        ["script-torrent-done-seeding-enabled"] = (w, _, _) => w.WriteBooleanValue(false),
        ["script-torrent-done-seeding-filename"] = (w, _, _) => w.WriteStringValue(""),
        ["seed-queue-enabled"] = (w, _, s) => w.WriteBooleanValue(s.SeedQueueEnabled),
        ["seed-queue-size"] = (w, _, s) => w.WriteNumberValue(s.SeedQueueSize),
        ["seedRatioLimit"] = (w, _, s) => w.WriteNumberValue(s.SeedRatioLimit),
        ["seedRatioLimited"] = (w, _, s) => w.WriteBooleanValue(s.SeedRatioLimited),
        ["session-id"] = (w, h, _) => w.WriteStringValue(h.Facts.SessionId),
        ["speed-limit-down"] = (w, _, s) => w.WriteNumberValue(s.SpeedLimitDown),
        ["speed-limit-down-enabled"] = (w, _, s) => w.WriteBooleanValue(s.SpeedLimitDownEnabled),
        ["speed-limit-up"] = (w, _, s) => w.WriteNumberValue(s.SpeedLimitUp),
        ["speed-limit-up-enabled"] = (w, _, s) => w.WriteBooleanValue(s.SpeedLimitUpEnabled),
        ["start-added-torrents"] = (w, _, s) => w.WriteBooleanValue(s.StartAddedTorrents),
        ["tcp-enabled"] = (w, _, _) => w.WriteBooleanValue(true),
        ["trash-original-torrent-files"] = (w, _, s) => w.WriteBooleanValue(s.TrashOriginalTorrentFiles),
        ["units"] = (w, _, _) => WriteUnits(w),
        ["utp-enabled"] = (w, h, _) => w.WriteBooleanValue(h.Transports.UtpEnabled),
        ["version"] = (w, h, _) => w.WriteStringValue(h.Facts.Version),
    };

    public static IReadOnlyCollection<string> Supported => Writers.Keys;

    public static bool IsSupported(string field) => Writers.ContainsKey(field);

    public static void Write(Utf8JsonWriter output, string field, ITorrentHost host, SessionSettings settings)
    {
        output.WritePropertyName(field);
        Writers[field](output, host, settings);
    }

    // Speeds in kB/s of 1000 bytes, sizes and memory in binary units: Transmission's defaults.
    private static void WriteUnits(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        WriteList(w, "speed-units", ["kB/s", "MB/s", "GB/s", "TB/s"]);
        w.WriteNumber("speed-bytes", 1000);
        WriteList(w, "size-units", ["kB", "MB", "GB", "TB"]);
        w.WriteNumber("size-bytes", 1000);
        WriteList(w, "memory-units", ["KiB", "MiB", "GiB", "TiB"]);
        w.WriteNumber("memory-bytes", 1024);
        w.WriteEndObject();
    }

    private static void WriteList(Utf8JsonWriter w, string name, string[] values)
    {
        w.WriteStartArray(name);
        foreach (var value in values) w.WriteStringValue(value);
        w.WriteEndArray();
    }
}
