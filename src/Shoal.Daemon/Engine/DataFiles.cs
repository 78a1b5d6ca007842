using Shoal.Metainfo;
using Shoal.Storage;

namespace Shoal.Daemon.Engine;

/// <summary>
/// A stopped torrent's files on disk, for "remove with data" and "move data". The layout is storage's: a single-file
/// torrent is <c>DIR/NAME</c>, a multi-file one <c>DIR/NAME/PATH…</c>; an incomplete file carries <c>.part</c>.
/// Skipped files' shares of pieces they share with wanted files are in the torrent's part file (<c>DIR/.shoal/HASH.parts</c>).
/// Only the torrent's own files (and folders they leave empty) are touched, never anything else in the folder.
/// <c>filePaths</c>: the files' paths as renamed by the user (<see cref="Shoal.Storage.StorageOptions.FilePaths"/>), or null.
/// </summary>
public static class DataFiles
{
    public const string PartSuffix = ".part";

    /// <summary>Every file's final full path (padding files have none), each checked to stay under <paramref name="directory"/>.</summary>
    public static IReadOnlyList<string> FinalPaths(TorrentInfo info, string directory, IReadOnlyList<IReadOnlyList<string>?>? filePaths = null)
    {
        ArgumentNullException.ThrowIfNull(info);
        string root = Path.GetFullPath(directory);
        string rootWithSeparator = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
        var paths = new List<string>(info.Files.Count);
        for (int i = 0; i < info.Files.Count; i++)
        {
            var file = info.Files[i];
            if (file.IsPadding) continue;
            IEnumerable<string> segments = filePaths?[i] ?? (info.IsMultiFile ? file.PathSegments.Prepend(info.Name) : [info.Name]);
            string path = Path.GetFullPath(Path.Join([root, .. segments]));
            if (!path.StartsWith(rootWithSeparator, StringComparison.Ordinal))
                throw new InvalidTorrentException($"unsafe path '{file.Path}' in torrent: it leaves the download directory");
            paths.Add(path);
        }
        return paths;
    }

    /// <summary>Deletes the torrent's files (complete or partial), then the folders that became empty. Returns the files deleted.</summary>
    public static int Delete(TorrentInfo info, string directory, IReadOnlyList<IReadOnlyList<string>?>? filePaths = null)
    {
        int deleted = 0;
        var paths = FinalPaths(info, directory, filePaths);
        foreach (var path in paths)
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
        RemoveEmptyFolders(info, directory, paths);
        return deleted;
    }

    /// <summary>
    /// Moves the torrent's files from <paramref name="from"/> to <paramref name="to"/> (renames on one file system, copies
    /// across). Refuses before moving anything if a target exists. Returns the files moved.
    /// </summary>
    public static int Move(TorrentInfo info, string from, string to, IReadOnlyList<IReadOnlyList<string>?>? filePaths = null)
    {
        var sources = FinalPaths(info, from, filePaths);
        var targets = FinalPaths(info, to, filePaths);
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
        RemoveEmptyFolders(info, from, sources);
        RemoveIfEmpty(Path.GetDirectoryName(partFile)!);
        return moves.Count;
    }

    /// <summary>
    /// Renames a stopped torrent's file (complete or <c>.part</c>) or folder at <paramref name="from"/> (components under
    /// <paramref name="directory"/>) to the last component of <paramref name="to"/>, in the same folder. Nothing on disk yet is
    /// fine (false). Refuses a link on the way or in place of the entry, and an existing entry at the new name.
    /// </summary>
    public static bool Rename(string directory, IReadOnlyList<string> from, IReadOnlyList<string> to)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        if (from.Count == 0 || from.Count != to.Count || !from.Take(from.Count - 1).SequenceEqual(to.Take(to.Count - 1), StringComparer.Ordinal))
            throw new ArgumentException("a rename must stay in one folder", nameof(to));
        string root = Path.GetFullPath(directory);
        string parent = root;
        foreach (var part in from.Take(from.Count - 1))
        {
            parent = Path.Join(parent, part);
            var folder = new DirectoryInfo(parent);
            if (folder.LinkTarget is not null) throw new IOException($"{parent} is a symbolic link: Shoal does not follow links in a torrent's data");
            if (!folder.Exists) return false;
        }
        string source = Path.Join(parent, from[^1]), target = Path.Join(parent, to[^1]);
        foreach (var suffix in (string[])["", PartSuffix])
        {
            var entry = new FileInfo(source + suffix);
            if (entry.LinkTarget is not null) throw new IOException($"{entry.FullName} is a symbolic link: Shoal does not follow links in a torrent's data");
            if (!entry.Exists && !Directory.Exists(entry.FullName)) continue;
            if (Path.Exists(target) || Path.Exists(target + PartSuffix) || new FileInfo(target).LinkTarget is not null)
                throw new IOException($"{target} already exists");
            if (entry.Exists) File.Move(entry.FullName, target + suffix);
            else if (suffix.Length == 0) Directory.Move(entry.FullName, target);
            else continue;
            return true;
        }
        return false;
    }

    // Only the folders the torrent's own files live in, deepest first; never a folder reached through a link.
    private static void RemoveEmptyFolders(TorrentInfo info, string directory, IReadOnlyList<string> paths)
    {
        if (!info.IsMultiFile || paths.Count == 0) return;
        // Every file is under the torrent's top folder (renamed or not): the first component below the download folder.
        string root = Path.GetFullPath(directory);
        string below = Path.GetRelativePath(root, paths[0]);
        int separator = below.IndexOf(Path.DirectorySeparatorChar);
        string top = Path.Join(root, separator < 0 ? below : below[..separator]);
        var folders = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in paths)
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
