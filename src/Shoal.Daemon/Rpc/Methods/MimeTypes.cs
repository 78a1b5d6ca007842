using Shoal.Metainfo;

namespace Shoal.Daemon.Rpc.Methods;

/// <summary>torrent-get's <c>primary-mime-type</c>: the type of the files holding most of the bytes, by their extensions.</summary>
internal static class MimeTypes
{
    private const string Unknown = "application/octet-stream";

    private static readonly Dictionary<string, string> ByExtension = new(StringComparer.OrdinalIgnoreCase)
    {
        [".mkv"] = "video/x-matroska", [".mp4"] = "video/mp4", [".m4v"] = "video/mp4", [".avi"] = "video/x-msvideo", [".webm"] = "video/webm",
        [".mov"] = "video/quicktime", [".ts"] = "video/mp2t", [".mpg"] = "video/mpeg", [".mpeg"] = "video/mpeg",
        [".mp3"] = "audio/mpeg", [".flac"] = "audio/flac", [".ogg"] = "audio/ogg", [".opus"] = "audio/ogg", [".m4a"] = "audio/mp4",
        [".wav"] = "audio/wav", [".aac"] = "audio/aac",
        [".jpg"] = "image/jpeg", [".jpeg"] = "image/jpeg", [".png"] = "image/png", [".gif"] = "image/gif", [".webp"] = "image/webp",
        [".iso"] = "application/x-iso9660-image", [".zip"] = "application/zip", [".gz"] = "application/gzip", [".xz"] = "application/x-xz",
        [".tar"] = "application/x-tar", [".7z"] = "application/x-7z-compressed", [".rar"] = "application/vnd.rar",
        [".pdf"] = "application/pdf", [".epub"] = "application/epub+zip", [".txt"] = "text/plain", [".html"] = "text/html",
    };

    public static string Primary(TorrentInfo? info)
    {
        if (info is null) return Unknown;
        var best = info.Files.Where(f => !f.IsPadding)
            .GroupBy(f => ByExtension.GetValueOrDefault(Path.GetExtension(f.PathSegments.Count > 0 ? f.PathSegments[^1] : info.Name), Unknown))
            .Select(g => (Type: g.Key, Bytes: g.Sum(f => f.Length)))
            .OrderByDescending(g => g.Bytes)
            .FirstOrDefault();
        return best.Type ?? Unknown;
    }
}
