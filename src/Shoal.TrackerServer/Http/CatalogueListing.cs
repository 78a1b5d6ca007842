using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Shoal.TrackerServer.Catalogue;

namespace Shoal.TrackerServer.Http;

/// <summary>
/// The catalogue as JSON or text lines. A listing walks every entry, so one rendering per format is reused for a second,
/// whatever Host header the requests carry: hammering /catalogue with made-up hosts cannot eat the CPU. The only part
/// that follows the Host header, the "&amp;tr=" this tracker adds to magnet links, is spliced into the cached bytes.
/// </summary>
internal sealed class CatalogueListing(TrackerCore core)
{
    public enum Format { Json, Text }

    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);
    // Served as application/json, never inside HTML: magnet links keep their '&' readable for curl users.
    private static readonly JsonWriterOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly Lock _lock = new();
    private readonly Rendering?[] _cached = new Rendering?[2];

    /// <summary>A listing's bytes, and where each entry's magnet link ends (where this tracker's "&amp;tr=" goes).</summary>
    private sealed record Rendering(long Timestamp, byte[] Body, (int Offset, CatalogueEntry Entry)[] MagnetEnds);

    public static string TorrentPath(CatalogueEntry entry) => CatalogueProtocol.TorrentPath(entry.InfoHash.ToHex());

    /// <summary>The magnet link with this tracker added when the .torrent does not name it.</summary>
    public static string Magnet(CatalogueEntry entry, string? selfAnnounce) =>
        NeedsSelf(entry, selfAnnounce) ? entry.Magnet + SelfParameter(selfAnnounce!) : entry.Magnet;

    private static bool NeedsSelf(CatalogueEntry entry, string? selfAnnounce) =>
        selfAnnounce is not null && !entry.Trackers.Contains(selfAnnounce, StringComparer.OrdinalIgnoreCase);

    // URL-escaped, so it needs no JSON escaping either: it can go straight into the rendered bytes.
    private static string SelfParameter(string selfAnnounce) => "&tr=" + Uri.EscapeDataString(selfAnnounce);

    public byte[] Render(Format format, string? selfAnnounce)
    {
        var rendering = Cached(format);
        if (format == Format.Text || selfAnnounce is null) return rendering.Body;
        var suffix = Encoding.UTF8.GetBytes(SelfParameter(selfAnnounce));
        int needed = 0;
        foreach (var (_, entry) in rendering.MagnetEnds)
            if (NeedsSelf(entry, selfAnnounce)) needed++;
        if (needed == 0) return rendering.Body;
        var body = new byte[rendering.Body.Length + needed * suffix.Length];
        int from = 0, to = 0;
        foreach (var (offset, entry) in rendering.MagnetEnds)
        {
            if (!NeedsSelf(entry, selfAnnounce)) continue;
            rendering.Body.AsSpan(from, offset - from).CopyTo(body.AsSpan(to));
            to += offset - from;
            suffix.CopyTo(body.AsSpan(to));
            to += suffix.Length;
            from = offset;
        }
        rendering.Body.AsSpan(from).CopyTo(body.AsSpan(to));
        return body;
    }

    private Rendering Cached(Format format)
    {
        lock (_lock)
        {
            if (_cached[(int)format] is { } cached && core.Time.GetElapsedTime(cached.Timestamp) < CacheFor) return cached;
        }
        var fresh = format == Format.Text ? new Rendering(core.Time.GetTimestamp(), RenderText(), []) : RenderJson();
        lock (_lock) _cached[(int)format] = fresh;
        return fresh;
    }

    private Rendering RenderJson()
    {
        long timestamp = core.Time.GetTimestamp();
        var catalogue = core.Catalogue!;
        var now = core.Time.GetUtcNow();
        var entries = catalogue.Entries.Newest();
        var magnetEnds = new List<(int, CatalogueEntry)>(entries.Count);
        using var stream = new MemoryStream(256 + entries.Count * 512);
        using (var json = new Utf8JsonWriter(stream, Relaxed))
        {
            json.WriteStartObject();
            json.WriteNumber("maxEntries", catalogue.Entries.MaxEntries);
            json.WriteNumber("staleAfterSeconds", (long)catalogue.StaleAfter.TotalSeconds);
            json.WriteBoolean("publishNeedsKey", catalogue.RequiresKey);
            json.WriteStartArray("entries");
            foreach (var entry in entries)
            {
                if (!catalogue.IsVisible(entry)) continue;
                WriteEntry(json, catalogue, entry, now, null, afterMagnet: () =>
                {
                    json.Flush();
                    magnetEnds.Add(((int)stream.Position - 1, entry)); // just before the magnet string's closing quote
                });
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return new Rendering(timestamp, stream.ToArray(), [.. magnetEnds]);
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

    private static void WriteEntry(Utf8JsonWriter json, CatalogueService catalogue, CatalogueEntry entry, DateTimeOffset now, string? selfAnnounce,
        Action? afterMagnet = null)
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
        afterMagnet?.Invoke();
        json.WriteString("torrent", TorrentPath(entry));
        json.WriteEndObject();
    }
}
