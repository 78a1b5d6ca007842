using System.Globalization;
using System.Net;
using System.Text;
using Shoal.TrackerServer.Catalogue;

namespace Shoal.TrackerServer.Http;

/// <summary>The catalogue section of the stats page: every entry (newest first, bounded) with a download and a magnet link.</summary>
internal static class CatalogueHtml
{
    public const int MaxListed = 500;

    public static void Append(StringBuilder html, CatalogueService catalogue, DateTimeOffset now, string? selfAnnounce)
    {
        var entries = catalogue.Entries.Newest().Where(catalogue.IsVisible).ToList();
        html.Append("<h2 id=\"catalogue\">Catalogue</h2>");
        string tracker = WebUtility.HtmlEncode(selfAnnounce ?? "http://THIS-TRACKER/announce");
        html.Append(CultureInfo.InvariantCulture, $"<p>{entries.Count} published torrents. Download one with <code>shoal get --tracker {tracker} NAME</code>; ")
            .Append(CultureInfo.InvariantCulture, $"publish with <code>shoal seed PATH --tracker {tracker} --publish</code>")
            .Append(catalogue.RequiresKey ? " (this catalogue needs <code>--catalogue-key</code>)" : "")
            .Append(". As <a href=\"/catalogue\">JSON</a>.</p>");
        if (entries.Count == 0) return;
        if (entries.Count > MaxListed) html.Append(CultureInfo.InvariantCulture, $"<p>The {MaxListed} newest:</p>");
        html.Append("<table><tr><th>name</th><th>size</th><th>files</th><th>seeders</th><th>leechers</th><th>published</th><th></th><th></th></tr>");
        foreach (var entry in entries.Take(MaxListed))
        {
            var counts = catalogue.CountsOf(entry);
            if (counts.Seeders > 0) entry.SawSeeder(now);
            bool stale = counts.Seeders == 0 && catalogue.IsStale(entry, now);
            string seeders = stale
                ? $"0 <small title=\"no seeder since {entry.LastSeededAt:u}\">(stale: none since {entry.LastSeededAt:yyyy-MM-dd})</small>"
                : counts.Seeders.ToString(CultureInfo.InvariantCulture);
            html.Append("<tr><td class=\"n\" title=\"").Append(entry.InfoHash.ToHex()).Append("\">")
                .Append(WebUtility.HtmlEncode(entry.Name))
                .Append(CultureInfo.InvariantCulture, $"</td><td>{Size(entry.TotalLength)}</td><td>{entry.FileCount}</td><td>{seeders}</td>")
                .Append(CultureInfo.InvariantCulture, $"<td>{counts.Leechers}</td><td>{entry.PublishedAt:yyyy-MM-dd HH:mm}</td>")
                .Append("<td><a href=\"").Append(WebUtility.HtmlEncode(CatalogueListing.TorrentPath(entry))).Append("\">.torrent</a></td>")
                .Append("<td><a href=\"").Append(WebUtility.HtmlEncode(CatalogueListing.Magnet(entry, selfAnnounce))).Append("\">magnet</a></td></tr>");
        }
        html.Append("</table>");
    }

    private static string Size(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? $"{bytes} B" : string.Create(CultureInfo.InvariantCulture, $"{value:0.0} {units[unit]}");
    }
}
