using Shoal.Daemon.Session;

namespace Shoal.Daemon.Rpc.Methods;

/// <summary>session-get, session-set, session-stats and session-close.</summary>
internal static class SessionMethods
{
    public static void Register(IDictionary<string, RpcHandler> methods)
    {
        methods["session-get"] = Get;
        methods["session-set"] = Set;
        methods["session-stats"] = Stats;
        methods["session-close"] = call =>
        {
            call.Host.RequestShutdown();
            return Task.CompletedTask;
        };
    }

    private static Task Get(RpcCall call)
    {
        var settings = call.Host.Settings;
        var fields = call.Arguments.StringList("fields") is { } requested
            ? requested.Where(SessionFields.IsSupported).Distinct(StringComparer.Ordinal)
            : SessionFields.Supported;
        foreach (var field in fields) SessionFields.Write(call.Output, field, call.Host, settings);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Applies the settings Shoal has (speed and alternative limits with their schedule, queues, seeding limits, download
    /// folder, start/trash on add, per-torrent peer limit for new torrents, encryption, uTP and the DHT). Keys for features it lacks are ignored, as
    /// Transmission ignores unknown keys.
    /// </summary>
    private static async Task Set(RpcCall call)
    {
        var a = call.Arguments;
        if (a.String("download-dir") is { } dir && !Path.IsPathFullyQualified(dir)) throw new RpcException("download directory path is not absolute");
        if (a.String("incomplete-dir") is { Length: > 0 } incomplete && !Path.IsPathFullyQualified(incomplete))
            throw new RpcException("incomplete torrents directory path is not absolute");
        var s = call.Host.Settings;
        var next = s with
        {
            DownloadDir = a.String("download-dir") is { Length: > 0 } d ? Path.GetFullPath(d) : s.DownloadDir,
            SpeedLimitDown = Speed(a, "speed-limit-down") ?? s.SpeedLimitDown,
            SpeedLimitDownEnabled = a.Bool("speed-limit-down-enabled") ?? s.SpeedLimitDownEnabled,
            SpeedLimitUp = Speed(a, "speed-limit-up") ?? s.SpeedLimitUp,
            SpeedLimitUpEnabled = a.Bool("speed-limit-up-enabled") ?? s.SpeedLimitUpEnabled,
            AltSpeedDown = Speed(a, "alt-speed-down") ?? s.AltSpeedDown,
            AltSpeedUp = Speed(a, "alt-speed-up") ?? s.AltSpeedUp,
            AltSpeedEnabled = a.Bool("alt-speed-enabled") ?? s.AltSpeedEnabled,
            AltSpeedTimeEnabled = a.Bool("alt-speed-time-enabled") ?? s.AltSpeedTimeEnabled,
            AltSpeedTimeBegin = Minute(a, "alt-speed-time-begin") ?? s.AltSpeedTimeBegin,
            AltSpeedTimeEnd = Minute(a, "alt-speed-time-end") ?? s.AltSpeedTimeEnd,
            AltSpeedTimeDay = a.Int("alt-speed-time-day") is { } day && day is >= 0 and <= 127 ? (int)day : s.AltSpeedTimeDay,
            DownloadQueueEnabled = a.Bool("download-queue-enabled") ?? s.DownloadQueueEnabled,
            DownloadQueueSize = Count(a, "download-queue-size") ?? s.DownloadQueueSize,
            SeedQueueEnabled = a.Bool("seed-queue-enabled") ?? s.SeedQueueEnabled,
            SeedQueueSize = Count(a, "seed-queue-size") ?? s.SeedQueueSize,
            QueueStalledEnabled = a.Bool("queue-stalled-enabled") ?? s.QueueStalledEnabled,
            QueueStalledMinutes = Count(a, "queue-stalled-minutes") ?? s.QueueStalledMinutes,
            SeedRatioLimit = a.Double("seedRatioLimit") is { } ratio && ratio >= 0 ? ratio : s.SeedRatioLimit,
            SeedRatioLimited = a.Bool("seedRatioLimited") ?? s.SeedRatioLimited,
            IdleSeedingLimit = Count(a, "idle-seeding-limit") ?? s.IdleSeedingLimit,
            IdleSeedingLimitEnabled = a.Bool("idle-seeding-limit-enabled") ?? s.IdleSeedingLimitEnabled,
            StartAddedTorrents = a.Bool("start-added-torrents") ?? s.StartAddedTorrents,
            TrashOriginalTorrentFiles = a.Bool("trash-original-torrent-files") ?? s.TrashOriginalTorrentFiles,
            PeerLimitPerTorrent = a.Int("peer-limit-per-torrent") is { } peers && peers is > 0 and <= 10_000 ? (int)peers : s.PeerLimitPerTorrent,
            Encryption = a.String("encryption") is { } encryption ? EncryptionName(encryption) : s.Encryption,
            UtpEnabled = a.Bool("utp-enabled") ?? s.UtpEnabled,
        };
        if (next != s) call.Host.UpdateSettings(next);
        if (a.Bool("dht-enabled") is { } dht) await call.Host.SetDhtEnabledAsync(dht).ConfigureAwait(false);
    }

    private static string EncryptionName(string value) =>
        value is "required" or "preferred" or "tolerated" ? value : throw new RpcException($"invalid encryption '{value}' (required, preferred or tolerated)");

    internal static long? Speed(RpcArguments a, string key) => a.Int(key) is { } kb ? Math.Clamp(kb, 0, long.MaxValue / 1000) : null;

    private static int? Minute(RpcArguments a, string key) => a.Int(key) is { } m && m is >= 0 and < 24 * 60 ? (int)m : null;

    private static int? Count(RpcArguments a, string key) => a.Int(key) is { } n && n is >= 0 and <= 1_000_000 ? (int)n : null;

    private static Task Stats(RpcCall call)
    {
        var torrents = call.Host.Torrents.Select(t => t.Snapshot()).ToList();
        var (current, cumulative) = call.Host.Stats();
        var w = call.Output;
        int active = torrents.Count(t => t.IsRunning);
        w.WriteNumber("activeTorrentCount", active);
        w.WriteNumber("downloadSpeed", torrents.Sum(t => t.RateDownload));
        w.WriteNumber("pausedTorrentCount", torrents.Count - active);
        w.WriteNumber("torrentCount", torrents.Count);
        w.WriteNumber("uploadSpeed", torrents.Sum(t => t.RateUpload));
        WriteStats(w, "cumulative-stats", cumulative);
        WriteStats(w, "current-stats", current);
        // Not in Transmission's spec (clients ignore unknown keys): what a status bar shows as "DHT: N nodes".
        if (call.Host.DhtNodes is { } nodes) w.WriteNumber("dhtNodes", nodes);
        return Task.CompletedTask;
    }

    private static void WriteStats(System.Text.Json.Utf8JsonWriter w, string name, TransferStats stats)
    {
        w.WriteStartObject(name);
        w.WriteNumber("downloadedBytes", stats.DownloadedBytes);
        w.WriteNumber("filesAdded", stats.FilesAdded);
        w.WriteNumber("secondsActive", stats.SecondsActive);
        w.WriteNumber("sessionCount", stats.SessionCount);
        w.WriteNumber("uploadedBytes", stats.UploadedBytes);
        w.WriteEndObject();
    }
}
