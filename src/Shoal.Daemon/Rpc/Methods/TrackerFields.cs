using System.Net;
using System.Text;
using System.Text.Json;
using Shoal.Daemon.Engine;

namespace Shoal.Daemon.Rpc.Methods;

/// <summary>torrent-get's <c>trackers</c>, <c>trackerStats</c> and <c>trackerList</c>; torrent-set's <c>trackerList</c> parser.</summary>
internal static class TrackerFields
{
    /// <summary>Most trackers a torrent-set trackerList may hold.</summary>
    public const int MaxTrackers = 200;

    // tr_tracker_state
    private const int Inactive = 0, Waiting = 1, Active = 3;

    public static void WriteTrackers(Utf8JsonWriter w, IReadOnlyList<TrackerView> trackers)
    {
        w.WriteStartArray();
        foreach (var t in trackers)
        {
            w.WriteStartObject();
            w.WriteString("announce", t.Announce);
            w.WriteNumber("id", t.Id);
            w.WriteString("scrape", ScrapeUrl(t.Announce));
            w.WriteString("sitename", SiteName(t.Announce));
            w.WriteNumber("tier", t.Tier);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    public static void WriteTrackerStats(Utf8JsonWriter w, IReadOnlyList<TrackerView> trackers)
    {
        w.WriteStartArray();
        foreach (var t in trackers)
        {
            bool announced = t.LastAnnounce is not null || t.LastError is not null;
            bool succeeded = t.Activity == TrackerActivity.Working;
            w.WriteStartObject();
            w.WriteString("announce", t.Announce);
            w.WriteNumber("announceState", t.Activity == TrackerActivity.Announcing ? Active : t.NextAnnounce is null ? Inactive : Waiting);
            w.WriteNumber("downloadCount", -1);
            w.WriteBoolean("hasAnnounced", announced);
            w.WriteBoolean("hasScraped", false);
            w.WriteString("host", Host(t.Announce));
            w.WriteString("sitename", SiteName(t.Announce));
            w.WriteNumber("id", t.Id);
            w.WriteBoolean("isBackup", IsBackup(t, trackers));
            w.WriteNumber("lastAnnouncePeerCount", t.LastPeerCount);
            w.WriteString("lastAnnounceResult", succeeded ? "Success" : t.LastError ?? "");
            w.WriteNumber("lastAnnounceStartTime", t.LastAnnounce?.ToUnixTimeSeconds() ?? 0);
            w.WriteBoolean("lastAnnounceSucceeded", succeeded);
            w.WriteNumber("lastAnnounceTime", t.LastAnnounce?.ToUnixTimeSeconds() ?? 0);
            w.WriteBoolean("lastAnnounceTimedOut", t.LastError?.Contains("timed out", StringComparison.OrdinalIgnoreCase) ?? false);
            w.WriteString("lastScrapeResult", "");
            w.WriteNumber("lastScrapeStartTime", 0);
            w.WriteBoolean("lastScrapeSucceeded", false);
            w.WriteNumber("lastScrapeTime", 0);
            w.WriteBoolean("lastScrapeTimedOut", false);
            w.WriteNumber("leecherCount", t.Leechers ?? -1);
            w.WriteNumber("nextAnnounceTime", t.NextAnnounce?.ToUnixTimeSeconds() ?? 0);
            w.WriteNumber("nextScrapeTime", 0);
            w.WriteString("scrape", ScrapeUrl(t.Announce));
            w.WriteNumber("scrapeState", Inactive);
            w.WriteNumber("seederCount", t.Seeders ?? -1);
            w.WriteNumber("tier", t.Tier);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    /// <summary>One URL per line, a blank line between tiers (Transmission's trackerList format).</summary>
    public static string TrackerList(IReadOnlyList<IReadOnlyList<string>> tiers)
    {
        var text = new StringBuilder();
        foreach (var tier in tiers.Where(t => t.Count > 0))
        {
            if (text.Length > 0) text.Append('\n');
            foreach (var url in tier) text.Append(url).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>Parses a trackerList; null when a line is not an http, https or udp URL.</summary>
    public static IReadOnlyList<IReadOnlyList<string>>? ParseTrackerList(string text)
    {
        var tiers = new List<IReadOnlyList<string>>();
        var current = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0)
            {
                if (current.Count > 0) tiers.Add(current);
                current = [];
                continue;
            }
            if (!Uri.TryCreate(line, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https" or "udp")) return null;
            if (seen.Add(line)) current.Add(line);
            if (seen.Count > MaxTrackers) return null;
        }
        if (current.Count > 0) tiers.Add(current);
        return tiers;
    }

    /// <summary>The scrape URL by the usual convention (the last path segment "announce…" becomes "scrape…"), or "" when there is none.</summary>
    public static string ScrapeUrl(string announce)
    {
        if (announce.StartsWith("udp:", StringComparison.OrdinalIgnoreCase)) return announce;
        int slash = announce.LastIndexOf('/');
        if (slash < 0 || string.CompareOrdinal(announce, slash + 1, "announce", 0, 8) != 0) return "";
        return string.Concat(announce.AsSpan(0, slash + 1), "scrape", announce.AsSpan(slash + 9));
    }

    private static string Host(string announce) =>
        Uri.TryCreate(announce, UriKind.Absolute, out var uri) ? $"{uri.Host}:{uri.Port}" : announce;

    /// <summary>The tracker's site name: the label before the top-level domain (tracker.example.org → example).</summary>
    private static string SiteName(string announce)
    {
        if (!Uri.TryCreate(announce, UriKind.Absolute, out var uri)) return "";
        if (IPAddress.TryParse(uri.Host.Trim('[', ']'), out _)) return uri.Host;
        var labels = uri.Host.Split('.', StringSplitOptions.RemoveEmptyEntries);
        return labels.Length >= 2 ? labels[^2] : uri.Host;
    }

    /// <summary>A tracker its tier is not using: never contacted, while another tracker of the tier is.</summary>
    private static bool IsBackup(TrackerView t, IReadOnlyList<TrackerView> all) =>
        t.Activity == TrackerActivity.Idle && t.NextAnnounce is null && t.LastAnnounce is null &&
        all.Any(o => o.Tier == t.Tier && o.Id != t.Id && (o.NextAnnounce is not null || o.LastAnnounce is not null || o.Activity != TrackerActivity.Idle));
}
