using System.Text;

namespace Shoal.Metainfo;

/// <summary>One file to be shared: its path inside the torrent and where it lives on disk.</summary>
public sealed record ContentFile(IReadOnlyList<string> PathSegments, string FullPath, long Length)
{
    public string Path => string.Join('/', PathSegments);
}

/// <summary>
/// The files a torrent will be made of, listed the way mktorrent lists them so both produce the same info dictionary:
/// every regular file under the folder (hidden ones included, empty folders contribute nothing), symbolic links
/// followed, sorted by the bytes of their '/'-joined UTF-8 relative paths (C <c>strcmp</c> order).
/// A symbolic link that leads back into a folder being listed, or to nothing, is an error.
/// </summary>
public sealed class TorrentContent
{
    private TorrentContent(string name, bool isFolder, IReadOnlyList<ContentFile> files)
    {
        Name = name;
        IsFolder = isFolder;
        Files = files;
        TotalLength = files.Sum(f => f.Length);
    }

    /// <summary>The torrent's name: the file's or folder's own name.</summary>
    public string Name { get; }

    /// <summary>True for a folder (a multi-file torrent, even when it holds a single file).</summary>
    public bool IsFolder { get; }

    public IReadOnlyList<ContentFile> Files { get; }

    public long TotalLength { get; }

    /// <summary>
    /// Lists a file or folder. Throws <see cref="FileNotFoundException"/> when nothing is there and
    /// <see cref="IOException"/> for a broken or looping link, an unshareable name, or a folder with no files.
    /// </summary>
    public static TorrentContent Scan(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        var name = Path.GetFileName(full);
        if (string.IsNullOrEmpty(name)) throw new IOException($"'{path}' has no name to give the torrent (it is a file system root)");
        CheckName(name, name);

        var real = SymbolicLinks.RealPath(full);
        if (File.Exists(real))
            return new TorrentContent(name, isFolder: false, [new ContentFile([name], real, new FileInfo(real).Length)]);
        if (!Directory.Exists(real)) throw new FileNotFoundException($"no such file or folder: {path}", path);

        var files = new List<(byte[] SortKey, ContentFile File)>();
        var ancestors = new List<string> { real };
        Walk(real, [], ancestors, files);
        if (files.Count == 0) throw new IOException($"the folder '{path}' holds no files");
        files.Sort((a, b) => a.SortKey.AsSpan().SequenceCompareTo(b.SortKey));
        return new TorrentContent(name, isFolder: true, files.Select(f => f.File).ToArray());
    }

    private static void Walk(string directory, List<string> relative, List<string> ancestors, List<(byte[], ContentFile)> files)
    {
        var options = new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = false, RecurseSubdirectories = false };
        foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos("*", options))
        {
            var segments = new List<string>(relative) { entry.Name };
            string display = string.Join('/', segments);
            CheckName(entry.Name, display);
            string target = entry.FullName;
            if (entry.LinkTarget is not null)
            {
                target = SymbolicLinks.RealPath(entry.FullName);
                if (!File.Exists(target) && !Directory.Exists(target))
                    throw new IOException($"'{display}' is a broken symbolic link (to '{entry.LinkTarget}')");
            }

            if (Directory.Exists(target))
            {
                // The whole chain of folders being listed, by real path: a link back to any of them never ends.
                if (ancestors.Contains(target, StringComparer.Ordinal))
                    throw new IOException($"'{display}' is a symbolic link loop (it leads back to '{target}')");
                ancestors.Add(target);
                Walk(target, segments, ancestors, files);
                ancestors.RemoveAt(ancestors.Count - 1);
            }
            else
            {
                files.Add((Encoding.UTF8.GetBytes(display), new ContentFile(segments, target, new FileInfo(target).Length)));
            }
        }
    }

    private static void CheckName(string name, string display)
    {
        var why = PathSafety.WhyUnsafe(name);
        if (why is not null)
            throw new IOException($"cannot share '{display}': its name contains {why}, which other clients refuse");
    }
}
