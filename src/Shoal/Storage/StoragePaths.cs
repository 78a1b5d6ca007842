using Shoal.Metainfo;

namespace Shoal.Storage;

/// <summary>
/// Turns a torrent's (untrusted) file paths into full paths under the download directory, re-checking every
/// component even though the parser already did: storage is the last line before the file system.
/// </summary>
internal static class StoragePaths
{
    public const string PartSuffix = ".part";

    public const string ResumeFolderName = ".shoal";

    /// <summary>Full final paths of every file (padding files get null: they are never created).</summary>
    public static string?[] Resolve(TorrentInfo info, string downloadDirectory)
    {
        string root = Path.GetFullPath(downloadDirectory);
        string rootWithSeparator = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
        PathSafety.EnsureSafeSegment(info.Name, info.Name);
        if (info.Name == ResumeFolderName) throw new InvalidTorrentException($"the torrent's name '{ResumeFolderName}' is reserved for resume data");

        var paths = new string?[info.Files.Count];
        var finals = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < info.Files.Count; i++)
        {
            var file = info.Files[i];
            if (file.IsPadding) continue;
            var segments = info.IsMultiFile ? file.PathSegments.Prepend(info.Name) : [info.Name];
            string display = string.Join('/', segments);
            string path = root;
            foreach (var segment in segments)
            {
                PathSafety.EnsureSafeSegment(segment, display);
                path = Path.Join(path, segment);
            }
            path = Path.GetFullPath(path);
            if (!path.StartsWith(rootWithSeparator, StringComparison.Ordinal))
                throw new InvalidTorrentException($"unsafe path '{display}' in torrent: it leaves the download directory");
            paths[i] = path;
            finals.Add(path);
        }
        // "x.part" as a real file would be clobbered by the partial download of "x".
        foreach (var path in paths)
        {
            if (path is not null && finals.Contains(path + PartSuffix))
                throw new InvalidTorrentException($"the torrent holds both '{Path.GetFileName(path)}' and '{Path.GetFileName(path)}{PartSuffix}', which Shoal uses for the partial download of the first");
        }
        return paths;
    }

    public static string PartPath(string finalPath) => finalPath + PartSuffix;

    public static string ResumeRecordPath(string resumeDirectory, InfoHash infoHash) =>
        Path.Join(resumeDirectory, infoHash.ToHex() + ".resume");
}
