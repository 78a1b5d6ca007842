using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Shoal.TrackerServer.Registry;

namespace Shoal.TrackerServer.Http;

/// <summary>GET / (HTML), /stats.json and /metrics (Prometheus text format 0.0.4). Listings are bounded to the busiest torrents.</summary>
internal sealed class StatsPages(TrackerCore core)
{
    public const int MaxListed = 500;
    // Listing walks every swarm: requests within this window share one walk, so hammering "/" cannot eat the CPU.
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private (long Timestamp, RegistryTotals Totals, IReadOnlyList<TorrentStats> Rows)? _cached;

    private (RegistryTotals Totals, IReadOnlyList<TorrentStats> Rows) Snapshot()
    {
        lock (_lock)
        {
            if (_cached is { } cached && core.Time.GetElapsedTime(cached.Timestamp) < CacheFor) return (cached.Totals, cached.Rows);
            var fresh = (core.Time.GetTimestamp(), core.Registry.Totals(), core.Registry.TopTorrents(MaxListed));
            _cached = fresh;
            return (fresh.Item2, fresh.Item3);
        }
    }

    public Task WriteHtmlAsync(HttpContext context)
    {
        var (totals, rows) = Snapshot();
        var html = new StringBuilder(4096 + rows.Count * 200);
        html.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Shoal tracker</title>")
            .Append("<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}")
            .Append("td,th{padding:.2em .8em;border-bottom:1px solid #ddd;text-align:right}td.h,td.n{text-align:left;font-family:monospace}</style>")
            .Append("</head><body><h1>Shoal tracker</h1>");
        html.Append(CultureInfo.InvariantCulture,
            $"<p>{totals.Torrents} torrents, {totals.Seeders} seeders, {totals.Leechers} leechers, {totals.Downloaded} completed; ")
            .Append(CultureInfo.InvariantCulture, $"{core.Rate.PerSecond:F1} announces/s; up since {core.StartedAt:u}.</p>");
        if (rows.Count < totals.Torrents) html.Append(CultureInfo.InvariantCulture, $"<p>The {rows.Count} busiest torrents:</p>");
        html.Append("<table><tr><th>info-hash</th><th>name</th><th>seeders</th><th>leechers</th><th>completed</th></tr>");
        foreach (var row in rows)
        {
            html.Append("<tr><td class=\"h\">").Append(row.InfoHash.ToHex()).Append("</td><td class=\"n\">")
                .Append(WebUtility.HtmlEncode(NameOf(row) ?? ""))
                .Append(CultureInfo.InvariantCulture, $"</td><td>{row.Seeders}</td><td>{row.Leechers}</td><td>{row.Downloaded}</td></tr>");
        }
        html.Append("</table>");
        if (core.Catalogue is { } catalogue) CatalogueHtml.Append(html, catalogue, core.Time.GetUtcNow(), CatalogueEndpoints.SelfAnnounceUrl(context));
        html.Append("<p><a href=\"/stats.json\">stats.json</a> · <a href=\"/metrics\">metrics</a>")
            .Append(core.Catalogue is null ? "" : " · <a href=\"/catalogue\">catalogue.json</a>").Append("</p></body></html>");
        return WriteAsync(context, "text/html; charset=utf-8", html.ToString());
    }

    public Task WriteJsonAsync(HttpContext context)
    {
        var (totals, rows) = Snapshot();
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteNumber("torrents", totals.Torrents);
            json.WriteNumber("seeders", totals.Seeders);
            json.WriteNumber("leechers", totals.Leechers);
            json.WriteNumber("completed", totals.Downloaded);
            json.WriteNumber("announcesPerSecond", Math.Round(core.Rate.PerSecond, 1));
            json.WriteNumber("announces", core.Counters.Announces);
            json.WriteString("startedAt", core.StartedAt);
            if (core.Catalogue is { } catalogue) json.WriteNumber("catalogue", catalogue.Entries.Count);
            json.WriteNumber("listed", rows.Count);
            json.WriteStartArray("torrentList");
            foreach (var row in rows)
            {
                json.WriteStartObject();
                json.WriteString("infoHash", row.InfoHash.ToHex());
                if (NameOf(row) is { } name) json.WriteString("name", name);
                json.WriteNumber("seeders", row.Seeders);
                json.WriteNumber("leechers", row.Leechers);
                json.WriteNumber("completed", row.Downloaded);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return WriteAsync(context, "application/json", stream.ToArray());
    }

    public Task WriteMetricsAsync(HttpContext context)
    {
        var (totals, _) = Snapshot();
        var c = core.Counters;
        var text = new StringBuilder(2048);
        Metric(text, "shoal_tracker_torrents", "gauge", "Torrents tracked.", totals.Torrents);
        Metric(text, "shoal_tracker_seeders", "gauge", "Registered seeders.", totals.Seeders);
        Metric(text, "shoal_tracker_leechers", "gauge", "Registered leechers.", totals.Leechers);
        Metric(text, "shoal_tracker_completed_total", "counter", "Completed downloads reported.", totals.Downloaded);
        text.Append("# HELP shoal_tracker_announces_total Announces served.\n# TYPE shoal_tracker_announces_total counter\n")
            .Append(CultureInfo.InvariantCulture, $"shoal_tracker_announces_total{{protocol=\"http\"}} {c.HttpAnnounces}\n")
            .Append(CultureInfo.InvariantCulture, $"shoal_tracker_announces_total{{protocol=\"udp\"}} {c.UdpAnnounces}\n");
        text.Append("# HELP shoal_tracker_scrapes_total Scrapes served.\n# TYPE shoal_tracker_scrapes_total counter\n")
            .Append(CultureInfo.InvariantCulture, $"shoal_tracker_scrapes_total{{protocol=\"http\"}} {c.HttpScrapes}\n")
            .Append(CultureInfo.InvariantCulture, $"shoal_tracker_scrapes_total{{protocol=\"udp\"}} {c.UdpScrapes}\n");
        Metric(text, "shoal_tracker_udp_connects_total", "counter", "UDP connect requests answered.", c.UdpConnects);
        Metric(text, "shoal_tracker_bad_requests_total", "counter", "Malformed requests answered with a failure.", c.BadRequests);
        Metric(text, "shoal_tracker_refused_total", "counter", "Announces refused (not allowed, tracker full).", c.Refused);
        Metric(text, "shoal_tracker_rate_limited_total", "counter", "Requests over the per-IP rate limit.", c.RateLimited);
        Metric(text, "shoal_tracker_udp_dropped_total", "counter", "UDP datagrams ignored (short, bad connection id).", c.UdpDropped);
        text.Append("# HELP shoal_tracker_announces_per_second Announces per second over the last 10 s.\n")
            .Append("# TYPE shoal_tracker_announces_per_second gauge\n")
            .Append(CultureInfo.InvariantCulture, $"shoal_tracker_announces_per_second {core.Rate.PerSecond:F1}\n");
        return WriteAsync(context, "text/plain; version=0.0.4; charset=utf-8", text.ToString());
    }

    private string? NameOf(TorrentStats row) =>
        row.Name ?? core.Registry.Allow?.NameOf(row.InfoHash) ?? core.Catalogue?.Entries.NameOf(row.InfoHash);

    private static void Metric(StringBuilder text, string name, string type, string help, long value) =>
        text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n{name} {value}\n");

    private static Task WriteAsync(HttpContext context, string contentType, string body) =>
        WriteAsync(context, contentType, Encoding.UTF8.GetBytes(body));

    private static Task WriteAsync(HttpContext context, string contentType, byte[] body)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : context.Response.Body.WriteAsync(body, 0, body.Length);
    }
}
