using Shoal.Metainfo;

namespace Shoal.Storage;

/// <summary>
/// Turns a torrent's (untrusted) file paths into paths under the download directory, re-checking every component even
/// though the parser already did: storage is the last line before the file system. Names that would be one file on a
/// case-insensitive file system (Windows, macOS, exFAT, SMB shares) are refused on every system, so a torrent behaves
/// the same wherever it is downloaded.
/// </summary>
internal static class StoragePaths
{
    public const string PartSuffix = PathSafety.PartSuffix;

    public const string ResumeFolderName = ".shoal";

    /// <summary>
    /// Each file's path relative to the download directory, as components (padding files get null: they are never created).
    /// <paramref name="overrides"/> (see <see cref="StorageOptions.FilePaths"/>) replace the torrent's paths file by file.
    /// </summary>
    public static string[]?[] Resolve(TorrentInfo info, IReadOnlyList<IReadOnlyList<string>?>? overrides = null)
    {
        PathSafety.EnsureSafeSegment(info.Name, info.Name);
        if (info.Name == ResumeFolderName) throw new InvalidTorrentException($"the torrent's name '{ResumeFolderName}' is reserved for resume data");
        if (overrides is not null && overrides.Count != info.Files.Count)
            throw new ArgumentException($"{overrides.Count} file paths for a torrent of {info.Files.Count} files", nameof(overrides));

        var paths = new string[]?[info.Files.Count];
        // Every name that will exist, compared ignoring case: files and their .part names (key "a/b", value: the file
        // that owns the name) and folders (key "a/", value: the first file inside).
        var taken = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < info.Files.Count; i++)
        {
            var file = info.Files[i];
            if (file.IsPadding) continue;
            string[] segments = overrides?[i] is { } renamed ? [.. renamed]
                : info.IsMultiFile ? [info.Name, .. file.PathSegments] : [info.Name];
            string display = string.Join('/', segments);
            if (segments.Length == 0) throw new InvalidTorrentException("an empty file path");
            foreach (var segment in segments) PathSafety.EnsureSafeSegment(segment, display);
            if (segments[0] == ResumeFolderName) throw new InvalidTorrentException($"the name '{ResumeFolderName}' is reserved for resume data");
            paths[i] = segments;
            for (int depth = 1; depth < segments.Length; depth++)
            {
                string folder = string.Join('/', segments[..depth]);
                if (taken.TryGetValue(folder, out var owner)) throw Clash(owner, display);
                taken.TryAdd(folder + "/", display);
            }
            ClaimFile(taken, display, display);
            ClaimFile(taken, display + PartSuffix, display);
        }
        return paths;
    }

    private static void ClaimFile(Dictionary<string, string> taken, string name, string owner)
    {
        if (taken.TryGetValue(name, out var other) || taken.TryGetValue(name + "/", out other)) throw Clash(other, owner);
        taken[name] = owner;
    }

    /// <summary>Two files of the torrent that cannot both exist: the error names both.</summary>
    private static InvalidTorrentException Clash(string first, string second)
    {
        string reason = first.Equals(second, StringComparison.OrdinalIgnoreCase)
            ? first == second ? "the same file twice" : "names that are the same on case-insensitive file systems (Windows, macOS)"
            : second.StartsWith(first + "/", StringComparison.OrdinalIgnoreCase) || first.StartsWith(second + "/", StringComparison.OrdinalIgnoreCase)
                ? "a file where the other needs a folder (on case-insensitive file systems at least)"
                : $"a file named like the other's partial download (Shoal keeps an unfinished NAME as NAME{PartSuffix})";
        return new InvalidTorrentException($"the torrent holds both '{PrintableText.Of(first)}' and '{PrintableText.Of(second)}': {reason}");
    }

    public static string[] PartPath(string[] finalPath) => [.. finalPath[..^1], finalPath[^1] + PartSuffix];

    public static string ResumeRecordName(InfoHash infoHash) => infoHash.ToHex() + ".resume";

    /// <summary>The part file (skipped files' shares of shared pieces), in the resume folder of the download directory.</summary>
    public static string[] PartFilePath(InfoHash infoHash) => [ResumeFolderName, infoHash.ToHex() + ".parts"];
}
