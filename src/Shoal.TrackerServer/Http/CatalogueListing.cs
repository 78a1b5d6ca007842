using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Shoal.TrackerServer.Catalogue;

namespace Shoal.TrackerServer.Http;

/// <summary>
/// The catalogue as JSON or text lines. A listing walks every entry, so one rendering is reused for a second per
/// (format, host): hammering /catalogue cannot eat the CPU.
/// </summary>
internal sealed class CatalogueListing(TrackerCore core)
{
    public enum Format { Json, Text }

    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);
    // Served as application/json, never inside HTML: magnet links keep their '&' readable for curl users.
    private static readonly JsonWriterOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly Lock _lock = new();
    private (long Timestamp, Format Format, string? Self, byte[] Body)? _cached;

    public static string TorrentPath(CatalogueEntry entry) => CatalogueProtocol.TorrentPath(entry.InfoHash.ToHex());

    /// <summary>The magnet link with this tracker added when the .torrent does not name it.</summary>
    public static string Magnet(CatalogueEntry entry, string? selfAnnounce) =>
        selfAnnounce is null || entry.Trackers.Contains(selfAnnounce, StringComparer.OrdinalIgnoreCase)
            ? entry.Magnet : entry.Magnet + "&tr=" + Uri.EscapeDataString(selfAnnounce);

    public byte[] Render(Format format, string? selfAnnounce)
    {
        lock (_lock)
        {
            if (_cached is { } cached && cached.Format == format && cached.Self == selfAnnounce && core.Time.GetElapsedTime(cached.Timestamp) < CacheFor)
                return cached.Body;
        }
        var body = format == Format.Text ? RenderText() : RenderJson(selfAnnounce);
        lock (_lock) _cached = (core.Time.GetTimestamp(), format, selfAnnounce, body);
        return body;
    }

    private byte[] RenderJson(string? selfAnnounce)
    {
        var catalogue = core.Catalogue!;
        var now = core.Time.GetUtcNow();
        var entries = catalogue.Entries.Newest();
        using var stream = new MemoryStream(256 + entries.Count * 512);
        using (var json = new Utf8JsonWriter(stream, Relaxed))
        {
            json.WriteStartObject();
            json.WriteNumber("maxEntries", catalogue.Entries.MaxEntries);
            json.WriteNumber("staleAfterSeconds", (long)catalogue.StaleAfter.TotalSeconds);
            json.WriteBoolean("publishNeedsKey", catalogue.RequiresKey);
            json.WriteStartArray("entries");
            foreach (var entry in entries)
                if (catalogue.IsVisible(entry)) WriteEntry(json, catalogue, entry, now, selfAnnounce);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return stream.ToArray();
    }

    // One line per entry: info-hash, size in bytes, seeders, leechers, name (tabs and controls in names become '?').
    private byte[] RenderText()
    {
        var catalogue = core.Catalogue!;
        var text = new StringBuilder();
        foreach (var entry in catalogue.Entries.Newest())
        {
            if (!catalogue.IsVisible(entry)) continue;
            var counts = catalogue.CountsOf(entry);
            text.Append(CultureInfo.InvariantCulture, $"{entry.InfoHash.ToHex()}\t{entry.TotalLength}\t{counts.Seeders}\t{counts.Leechers}\t");
            foreach (char c in entry.Name) text.Append(char.IsControl(c) ? '?' : c);
            text.Append('\n');
        }
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    public byte[] PublishAnswer(PublishResult result, string? selfAnnounce)
    {
        var catalogue = core.Catalogue!;
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, Relaxed))
        {
            json.WriteStartObject();
            json.WriteString("status", result.Status == PublishStatus.Added ? "added" : "unchanged");
            json.WriteString("message", result.Message);
            json.WritePropertyName("entry");
            WriteEntry(json, catalogue, result.Entry!, core.Time.GetUtcNow(), selfAnnounce);
            json.WriteEndObject();
        }
        return stream.ToArray();
    }

    private static void WriteEntry(Utf8JsonWriter json, CatalogueService catalogue, CatalogueEntry entry, DateTimeOffset now, string? selfAnnounce)
    {
        var counts = catalogue.CountsOf(entry);
        if (counts.Seeders > 0) entry.SawSeeder(now);
        json.WriteStartObject();
        json.WriteString("name", entry.Name);
        json.WriteString("infoHash", entry.InfoHash.ToHex());
        json.WriteNumber("size", entry.TotalLength);
        json.WriteNumber("files", entry.FileCount);
        json.WriteNumber("pieceLength", entry.PieceLength);
        json.WriteBoolean("private", entry.IsPrivate);
        json.WriteNumber("seeders", counts.Seeders);
        json.WriteNumber("leechers", counts.Leechers);
        json.WriteNumber("completed", counts.Downloaded);
        json.WriteString("publishedAt", entry.PublishedAt);
        json.WriteString("lastSeededAt", entry.LastSeededAt);
        json.WriteBoolean("stale", counts.Seeders == 0 && catalogue.IsStale(entry, now));
        json.WriteString("magnet", Magnet(entry, selfAnnounce));
        json.WriteString("torrent", TorrentPath(entry));
        json.WriteEndObject();
    }
}
