using Microsoft.Win32.SafeHandles;
using Shoal.Metainfo;

namespace Shoal.Storage;

/// <summary>What is found at a name: nothing, a regular file (with its stamp), a folder, a symbolic link, or something else.</summary>
internal enum EntryKind
{
    Missing,
    File,
    Folder,
    Link,
    Other,
}

internal readonly record struct FolderEntry(EntryKind Kind, FileStamp Stamp)
{
    public static FolderEntry Missing => new(EntryKind.Missing, FileStamp.Missing);
}

internal enum OpenMode
{
    /// <summary>Open an existing file, for writing if allowed, else read-only; absent is not an error.</summary>
    Existing,
    /// <summary>Open or create for writing (folders on the way are created).</summary>
    OpenOrCreate,
    /// <summary>Create a file that must not exist yet.</summary>
    CreateNew,
}

internal readonly record struct OpenedFile(SafeFileHandle Handle, bool Writable);

/// <summary>
/// A folder whose files Shoal reads and writes without ever following a symbolic link out of it: a link in place of a
/// file is never opened (O_NOFOLLOW), and a link in place of a folder is followed only when the folder it leads to is
/// inside this one. Paths are given as components relative to the folder, already checked by <see cref="PathSafety"/>.
/// On Linux every step is race-free (each folder is opened relative to the one before and checked after it is open);
/// elsewhere the same checks run before each open, which a fast enough local attacker could race.
/// </summary>
internal abstract class ConfinedFolder
{
    private readonly string _realRootWithSeparator;

    protected ConfinedFolder(string root)
    {
        Root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        // The folder itself may be reached through links (~/Downloads → /data/dl): the user chose it.
        RealRoot = SymbolicLinks.RealPath(Root);
        _realRootWithSeparator = Path.EndsInDirectorySeparator(RealRoot) ? RealRoot : RealRoot + Path.DirectorySeparatorChar;
    }

    /// <summary>The folder as given (full path); what messages show.</summary>
    public string Root { get; }

    /// <summary>The folder with every link in its own path resolved.</summary>
    protected string RealRoot { get; }

    /// <summary>The folder for <paramref name="root"/>; <paramref name="followLinks"/> only for the user's own content (see <see cref="StorageOptions.FollowLinks"/>).</summary>
    public static ConfinedFolder For(string root, bool followLinks = false) =>
        followLinks ? new PortableConfinedFolder(root, followLinks: true) :
        LinuxFileCalls.IsSupported ? new LinuxConfinedFolder(root) : new PortableConfinedFolder(root);

    /// <summary>The full path of <paramref name="path"/> as the user sees it.</summary>
    public string FullPath(ReadOnlySpan<string> path)
    {
        string full = Root;
        foreach (var part in path) full = Path.Join(full, part);
        return full;
    }

    /// <summary>What is at <paramref name="path"/>, without following a link there; throws if a folder on the way leads out.</summary>
    public abstract FolderEntry Inspect(string[] path);

    /// <summary>Opens a regular file; null when <see cref="OpenMode.Existing"/> finds nothing.</summary>
    public abstract OpenedFile? Open(string[] path, OpenMode mode);

    /// <summary>The stamp of an open file.</summary>
    public abstract FileStamp Stamp(SafeFileHandle handle);

    /// <summary>
    /// Renames a file within its folder, replacing a regular file at the new name but never a link, and never renaming
    /// a link: if the file was swapped for one meanwhile, the link is removed again and the rename fails.
    /// </summary>
    public abstract void Rename(string[] from, string[] to);

    /// <summary>Removes a file (a link itself, never what it points to); absent is fine.</summary>
    public abstract void Delete(string[] path);

    /// <summary>Makes renames and new names in the folder holding <paramref name="path"/> durable (fsync of the folder).</summary>
    public abstract void SyncFolderOf(string[] path);

    protected bool IsInside(string realPath) =>
        realPath == RealRoot || realPath.StartsWith(_realRootWithSeparator, StringComparison.Ordinal);

    protected string Shown(ReadOnlySpan<string> path) => PrintableText.Of(FullPath(path));

    protected IOException FolderExpected(ReadOnlySpan<string> path) =>
        new($"{Shown(path)} is a file, but the torrent has a folder there");

    protected IOException FileExpected(ReadOnlySpan<string> path, EntryKind kind) => kind == EntryKind.Folder
        ? new IOException($"{Shown(path)} is a folder, but the torrent has a file there")
        : new IOException($"{Shown(path)} is not a regular file (a device, pipe or socket), but the torrent has a file there");

    protected string? LinkTarget(ReadOnlySpan<string> path) => new FileInfo(FullPath(path)).LinkTarget;

    protected static void RequireSameFolder(string[] from, string[] to)
    {
        if (from.Length != to.Length || !from.AsSpan(0, from.Length - 1).SequenceEqual(to.AsSpan(0, to.Length - 1)))
            throw new ArgumentException("a rename must stay in one folder", nameof(to));
    }
}
