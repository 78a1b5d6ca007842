using System.Text;
using Shoal.Metainfo;

namespace Shoal.Swarm.WebSeeds;

/// <summary>
/// BEP 19 addresses: a 'url-list' entry and a torrent's file give the URL of that file on the web server. For a
/// single-file torrent the entry is the file itself, unless it ends in '/' (then the torrent's name is appended); for a
/// multi-file torrent the entry is the folder holding the torrent's root folder: name, then the file's path. Every
/// path component is percent-encoded.
/// </summary>
public static class WebSeedUrls
{
    /// <summary>Longest URL accepted from a torrent (every file's URL is built from it).</summary>
    public const int MaxLength = 8 * 1024;

    /// <summary>Accepts an absolute http:// or https:// URL without user information; anything else is ignored, as BEP 19 says.</summary>
    public static bool TryParse(string? text, out Uri? url, out string? error)
    {
        url = null;
        error = null;
        if (string.IsNullOrWhiteSpace(text) || text.Length > MaxLength) error = "it is empty or too long";
        else if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var parsed)) error = "it is not a URL";
        else if (parsed.Scheme is not ("http" or "https")) error = $"'{parsed.Scheme}' web seeds are not supported (http and https are)";
        else if (!string.IsNullOrEmpty(parsed.UserInfo)) error = "it carries a user name or password";
        else if (!string.IsNullOrEmpty(parsed.Fragment)) error = "it has a '#' fragment";
        else url = parsed;
        return url is not null;
    }

    /// <summary>The URL of file <paramref name="fileIndex"/> of <paramref name="info"/> on the web seed <paramref name="seed"/>.</summary>
    public static Uri ForFile(Uri seed, TorrentInfo info, int fileIndex)
    {
        ArgumentNullException.ThrowIfNull(seed);
        ArgumentNullException.ThrowIfNull(info);
        var file = info.Files[fileIndex];
        if (file.IsPadding) throw new ArgumentException("padding files are not on the server", nameof(fileIndex));
        string text = seed.AbsoluteUri;
        if (!info.IsMultiFile) return text.EndsWith('/') ? new Uri(text + Uri.EscapeDataString(info.Name)) : seed;

        var url = new StringBuilder(text);
        if (!text.EndsWith('/')) url.Append('/');
        url.Append(Uri.EscapeDataString(info.Name));
        foreach (var segment in file.PathSegments) url.Append('/').Append(Uri.EscapeDataString(segment));
        return new Uri(url.ToString());
    }
}
