using Shoal.Metainfo;
using Shoal.Storage;

namespace Shoal.Daemon.Torrents;

/// <summary>
/// A torrent's file paths as the user sees and stores them: the torrent's own, or as renamed (torrent-rename-path).
/// A path is relative to the download folder, '/'-separated, its top folder included (Transmission's file names).
/// Renames are kept as one path per file in <see cref="TorrentSettings.FilePaths"/>; storage opens the data under them.
/// </summary>
public static class TorrentPaths
{
    /// <summary>The file's path as the torrent gives it (its top folder included).</summary>
    public static string Original(TorrentInfo info, int file) =>
        info.IsMultiFile ? info.Name + "/" + info.Files[file].Path : info.Name;

    /// <summary>The file's path now: renamed or the torrent's own.</summary>
    public static string Of(TorrentInfo info, TorrentSettings settings, int file) =>
        settings.FilePaths.Count == info.Files.Count ? settings.FilePaths[file] : Original(info, file);

    /// <summary>The torrent's name now: its top folder (or single file) as renamed.</summary>
    public static string Name(TorrentInfo info, TorrentSettings settings)
    {
        if (settings.FilePaths.Count != info.Files.Count) return info.Name;
        for (int i = 0; i < info.Files.Count; i++)
        {
            if (!info.Files[i].IsPadding) return Top(settings.FilePaths[i]);
        }
        return info.Name;
    }

    /// <summary>Storage's per-file path overrides (<see cref="StorageOptions.FilePaths"/>), or null when nothing was renamed.</summary>
    public static IReadOnlyList<IReadOnlyList<string>?>? ForStorage(TorrentInfo info, TorrentSettings settings) =>
        settings.FilePaths.Count == info.Files.Count ? [.. settings.FilePaths.Select(p => (IReadOnlyList<string>?)p.Split('/'))] : null;

    /// <summary>
    /// The paths after renaming the file or folder at <paramref name="path"/> to <paramref name="name"/> (Transmission's
    /// tr_torrentRenamePath rules): the new paths, empty when they are the torrent's own again.
    /// Throws <see cref="ArgumentException"/> with a one-line reason for an unknown path, an unsafe name or a clash.
    /// </summary>
    public static IReadOnlyList<string> Rename(TorrentInfo info, TorrentSettings settings, string path, string name)
    {
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(settings);
        if (PathSafety.WhyUnsafe(name) is { } why) throw new ArgumentException($"invalid name '{PrintableText.Of(name)}': it is {why}");
        string[] current = [.. Enumerable.Range(0, info.Files.Count).Select(i => Of(info, settings, i))];
        bool moving(string p) => p == path || p.StartsWith(path + "/", StringComparison.Ordinal);
        bool isFile = false, isFolder = false;
        for (int i = 0; i < current.Length; i++)
        {
            if (info.Files[i].IsPadding) continue;
            isFile |= current[i] == path;
            isFolder |= current[i].StartsWith(path + "/", StringComparison.Ordinal);
        }
        if (!isFile && !isFolder) throw new ArgumentException($"'{PrintableText.Of(path)}' is not a file or folder of this torrent");
        int slash = path.LastIndexOf('/');
        string renamed = slash < 0 ? name : path[..(slash + 1)] + name;
        var next = new string[current.Length];
        for (int i = 0; i < current.Length; i++)
            next[i] = moving(current[i]) ? renamed + current[i][path.Length..] : current[i];
        if (renamed != path && current.Where((p, i) => !info.Files[i].IsPadding && !moving(p)).Any(p => p == renamed || p.StartsWith(renamed + "/", StringComparison.Ordinal)))
            throw new ArgumentException($"'{PrintableText.Of(renamed)}' is already a file or folder of this torrent");
        IReadOnlyList<IReadOnlyList<string>?> forStorage = [.. next.Select(p => (IReadOnlyList<string>?)p.Split('/'))];
        try
        {
            FileStorage.EnsureValidPaths(info, forStorage);
        }
        catch (InvalidTorrentException ex)
        {
            throw new ArgumentException(ex.Message, ex);
        }
        bool original = Enumerable.Range(0, next.Length).All(i => next[i] == Original(info, i));
        return original ? [] : next;
    }

    private static string Top(string path) => path.IndexOf('/') is var slash and >= 0 ? path[..slash] : path;
}
