using System.Globalization;
using System.Text;
using Shoal.Metainfo;

namespace Shoal.Trackers;

/// <summary>Builds announce and scrape URLs for HTTP trackers (BEP 3, BEP 23, BEP 48).</summary>
public static class HttpTrackerUrls
{
    /// <summary>The announce URL with this request's query appended (after any query the URL already has, such as a passkey).</summary>
    public static Uri Announce(Uri announceUrl, AnnounceRequest request, ReadOnlySpan<byte> trackerId = default)
    {
        var query = new StringBuilder(320);
        AppendBinary(query, "info_hash", request.InfoHash.Span);
        AppendBinary(query, "peer_id", request.PeerId.Span);
        AppendNumber(query, "port", request.Port);
        AppendNumber(query, "uploaded", request.Uploaded);
        AppendNumber(query, "downloaded", request.Downloaded);
        AppendNumber(query, "left", request.Left);
        query.Append("&compact=1&no_peer_id=1");
        if (request.NumWant >= 0) AppendNumber(query, "numwant", request.NumWant);
        query.Append("&key=").Append(request.Key.ToString("x8", CultureInfo.InvariantCulture));
        var eventName = EventName(request.Event);
        if (eventName is not null) query.Append("&event=").Append(eventName);
        if (!string.IsNullOrEmpty(request.Ip)) AppendText(query, "ip", request.Ip);
        if (!trackerId.IsEmpty) AppendBinary(query, "trackerid", trackerId);
        return WithQuery(announceUrl, query);
    }

    /// <summary>
    /// The scrape URL by the BEP 48 convention: the last path segment must start with "announce", which becomes "scrape"
    /// (<c>/announce</c> → <c>/scrape</c>, <c>/x/announce.php</c> → <c>/x/scrape.php</c>). Null when the URL does not follow it.
    /// </summary>
    public static Uri? Scrape(Uri announceUrl)
    {
        var path = announceUrl.AbsolutePath;
        int slash = path.LastIndexOf('/');
        if (slash < 0 || !path.AsSpan(slash + 1).StartsWith("announce", StringComparison.Ordinal)) return null;
        var builder = new UriBuilder(announceUrl) { Path = string.Concat(path.AsSpan(0, slash + 1), "scrape", path.AsSpan(slash + 1 + "announce".Length)) };
        return builder.Uri;
    }

    /// <summary>The scrape URL for one info-hash, or null when scraping is not possible.</summary>
    public static Uri? Scrape(Uri announceUrl, InfoHash hash)
    {
        var scrape = Scrape(announceUrl);
        if (scrape is null) return null;
        var query = new StringBuilder(80);
        AppendBinary(query, "info_hash", hash.Span);
        return WithQuery(scrape, query);
    }

    public static string? EventName(AnnounceEvent announceEvent) => announceEvent switch
    {
        AnnounceEvent.Started => "started",
        AnnounceEvent.Completed => "completed",
        AnnounceEvent.Stopped => "stopped",
        _ => null,
    };

    /// <summary>Percent-encodes every byte except RFC 3986's unreserved characters, so binary values survive any server.</summary>
    public static void PercentEncode(StringBuilder into, ReadOnlySpan<byte> bytes)
    {
        const string hex = "0123456789ABCDEF";
        foreach (byte b in bytes)
        {
            if (IsUnreserved(b)) into.Append((char)b);
            else into.Append('%').Append(hex[b >> 4]).Append(hex[b & 0xF]);
        }
    }

    private static bool IsUnreserved(byte b) =>
        b is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9'
            or (byte)'-' or (byte)'.' or (byte)'_' or (byte)'~';

    private static void AppendBinary(StringBuilder query, string name, ReadOnlySpan<byte> value)
    {
        query.Append('&').Append(name).Append('=');
        PercentEncode(query, value);
    }

    private static void AppendText(StringBuilder query, string name, string value) => AppendBinary(query, name, Encoding.UTF8.GetBytes(value));

    private static void AppendNumber(StringBuilder query, string name, long value) =>
        query.Append('&').Append(name).Append('=').Append(value.ToString(CultureInfo.InvariantCulture));

    /// <summary>Joins the existing query (if any) and ours; our builder starts with '&amp;', dropped when there is nothing before it.</summary>
    private static Uri WithQuery(Uri url, StringBuilder ours)
    {
        var existing = url.Query; // "" or "?a=b"
        var joined = existing.Length > 1 ? existing[1..] + ours : ours.ToString(1, ours.Length - 1);
        var builder = new UriBuilder(url) { Query = joined, Fragment = "" };
        return builder.Uri;
    }
}
