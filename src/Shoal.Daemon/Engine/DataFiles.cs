using Shoal.Metainfo;
using Shoal.Storage;

namespace Shoal.Daemon.Engine;

/// <summary>
/// A stopped torrent's files on disk, for "remove with data" and "move data". The layout is storage's: a single-file
/// torrent is <c>DIR/NAME</c>, a multi-file one <c>DIR/NAME/PATH…</c>; an incomplete file carries <c>.part</c>.
/// Skipped files' shares of pieces they share with wanted files are in the torrent's part file (<c>DIR/.shoal/HASH.parts</c>).
/// Only the torrent's own files (and folders they leave empty) are touched, never anything else in the folder.
/// </summary>
public static class DataFiles
{
    public const string PartSuffix = ".part";

    /// <summary>Every file's final full path (padding files have none), each checked to stay under <paramref name="directory"/>.</summary>
    public static IReadOnlyList<string> FinalPaths(TorrentInfo info, string directory)
    {
        ArgumentNullException.ThrowIfNull(info);
        string root = Path.GetFullPath(directory);
        string rootWithSeparator = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
        var paths = new List<string>(info.Files.Count);
        foreach (var file in info.Files)
        {
            if (file.IsPadding) continue;
            IEnumerable<string> segments = info.IsMultiFile ? file.PathSegments.Prepend(info.Name) : [info.Name];
            string path = Path.GetFullPath(Path.Join([root, .. segments]));
            if (!path.StartsWith(rootWithSeparator, StringComparison.Ordinal))
                throw new InvalidTorrentException($"unsafe path '{file.Path}' in torrent: it leaves the download directory");
            paths.Add(path);
        }
        return paths;
    }

    /// <summary>Deletes the torrent's files (complete or partial), then the folders that became empty. Returns the files deleted.</summary>
    public static int Delete(TorrentInfo info, string directory)
    {
        int deleted = 0;
        foreach (var path in FinalPaths(info, directory))
        {
            foreach (var candidate in (string[])[path, path + PartSuffix])
            {
                if (!File.Exists(candidate)) continue;
                File.Delete(candidate);
                deleted++;
            }
        }
        string partFile = FileStorage.PartFileLocation(info.InfoHash, directory);
        if (File.Exists(partFile))
        {
            File.Delete(partFile);
            deleted++;
            RemoveIfEmpty(Path.GetDirectoryName(partFile)!);
        }
        RemoveEmptyFolders(info, directory);
        return deleted;
    }

    /// <summary>
    /// Moves the torrent's files from <paramref name="from"/> to <paramref name="to"/> (renames on one file system, copies
    /// across). Refuses before moving anything if a target exists. Returns the files moved.
    /// </summary>
    public static int Move(TorrentInfo info, string from, string to)
    {
        var sources = FinalPaths(info, from);
        var targets = FinalPaths(info, to);
        var moves = new List<(string Source, string Target)>();
        for (int i = 0; i < sources.Count; i++)
        {
            foreach (var suffix in (string[])["", PartSuffix])
            {
                if (!File.Exists(sources[i] + suffix)) continue;
                if (File.Exists(targets[i]) || File.Exists(targets[i] + PartSuffix))
                    throw new IOException($"cannot move {info.Name}: {targets[i]} already exists");
                moves.Add((sources[i] + suffix, targets[i] + suffix));
            }
        }
        string partFile = FileStorage.PartFileLocation(info.InfoHash, from);
        if (File.Exists(partFile))
        {
            string target = FileStorage.PartFileLocation(info.InfoHash, to);
            if (File.Exists(target)) throw new IOException($"cannot move {info.Name}: {target} already exists");
            moves.Add((partFile, target));
        }
        foreach (var (source, target) in moves)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Move(source, target);
        }
        RemoveEmptyFolders(info, from);
        RemoveIfEmpty(Path.GetDirectoryName(partFile)!);
        return moves.Count;
    }

    // Only the folders the torrent's own files live in, deepest first; never a folder reached through a link.
    private static void RemoveEmptyFolders(TorrentInfo info, string directory)
    {
        if (!info.IsMultiFile) return;
        string top = Path.GetFullPath(Path.Join(directory, info.Name));
        var folders = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in FinalPaths(info, directory))
        {
            for (var folder = Path.GetDirectoryName(path); folder is not null && folder.Length >= top.Length; folder = Path.GetDirectoryName(folder))
                folders.Add(folder);
        }
        foreach (var folder in folders.OrderByDescending(f => f.Length)) RemoveIfEmpty(folder);
    }

    private static void RemoveIfEmpty(string folder)
    {
        var entry = new DirectoryInfo(folder);
        if (entry.Exists && entry.LinkTarget is null && !entry.EnumerateFileSystemInfos().Any()) entry.Delete();
    }
}
