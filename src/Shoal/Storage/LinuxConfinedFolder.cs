using Microsoft.Win32.SafeHandles;
using static Shoal.Storage.LinuxFileCalls;

namespace Shoal.Storage;

/// <summary>
/// <see cref="ConfinedFolder"/> on Linux, race-free: the walk opens one component at a time relative to the folder opened
/// before it, with O_NOFOLLOW; a folder link is followed only after the folder it opened is checked (by its real path in
/// /proc/self/fd) to be inside the root. The last component is always opened with O_NOFOLLOW, so a link there is an error.
/// </summary>
internal sealed class LinuxConfinedFolder(string root) : ConfinedFolder(root)
{
    private const uint FileMode = 0x1b6;   // 0666, less the umask
    private const uint FolderMode = 0x1ff; // 0777, less the umask

    public override FolderEntry Inspect(string[] path)
    {
        int folder = OpenParent(path, create: false);
        if (folder < 0) return FolderEntry.Missing;
        try
        {
            return StatAt(folder, path, path.Length - 1);
        }
        finally
        {
            Close(folder);
        }
    }

    public override OpenedFile? Open(string[] path, OpenMode mode)
    {
        int folder = OpenParent(path, create: mode != OpenMode.Existing);
        if (folder < 0) return null;
        try
        {
            string name = path[^1];
            // O_NONBLOCK: a FIFO planted here must not hang the open (regular files ignore the flag).
            int flags = Flags.NoFollow | CloseOnExec | NonBlocking;
            bool writable = true;
            int fd = mode switch
            {
                OpenMode.Existing => OpenAt(folder, name, flags | ReadWrite, 0),
                OpenMode.OpenOrCreate => OpenAt(folder, name, flags | ReadWrite | Create, FileMode),
                _ => OpenAt(folder, name, flags | ReadWrite | Create | Exclusive, FileMode),
            };
            if (fd < 0 && mode == OpenMode.Existing && LastError is EACCES or EPERM or EROFS)
            {
                // Seeding from a read-only place is fine.
                fd = OpenAt(folder, name, flags | ReadOnly, 0);
                writable = false;
            }
            if (fd < 0)
            {
                int errno = LastError;
                if (errno == ENOENT && mode == OpenMode.Existing) return null;
                throw OpenFailure(errno, folder, path);
            }
            var handle = new SafeFileHandle(fd, ownsHandle: true);
            var stat = StatOf(fd, path);
            if (stat.Type != TypeFile)
            {
                handle.Dispose();
                throw FileExpected(path, stat.Type == TypeFolder ? EntryKind.Folder : EntryKind.Other);
            }
            return new OpenedFile(handle, writable);
        }
        finally
        {
            Close(folder);
        }
    }

    public override FileStamp Stamp(SafeFileHandle handle)
    {
        bool added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            var stat = StatOf((int)handle.DangerousGetHandle(), []);
            return StampOf(stat);
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    public override void Rename(string[] from, string[] to)
    {
        RequireSameFolder(from, to);
        int folder = OpenParent(from, create: false);
        if (folder < 0) throw new FileNotFoundException($"{Shown(from)} is missing");
        try
        {
            var source = StatAt(folder, from, from.Length - 1);
            if (source.Kind == EntryKind.Link) throw SymbolicLinkException.InPlaceOfFile(FullPath(from), LinkTarget(from));
            if (source.Kind == EntryKind.Missing) throw new FileNotFoundException($"{Shown(from)} is missing");
            if (source.Kind != EntryKind.File) throw FileExpected(from, source.Kind);
            var target = StatAt(folder, to, to.Length - 1);
            if (target.Kind == EntryKind.Link) throw SymbolicLinkException.InPlaceOfFile(FullPath(to), LinkTarget(to));
            if (target.Kind is EntryKind.Folder or EntryKind.Other) throw FileExpected(to, target.Kind);
            if (RenameAt(folder, from[^1], folder, to[^1]) != 0) throw Failure(LastError, "cannot rename", from);
            // Swapped between the check and the rename: never leave a link under the torrent's name.
            var moved = StatAt(folder, to, to.Length - 1);
            if (moved.Kind == EntryKind.File && moved.Stamp.Inode == source.Stamp.Inode) return;
            string? link = moved.Kind == EntryKind.Link ? LinkTarget(to) : null;
            if (moved.Kind == EntryKind.Link) UnlinkAt(folder, to[^1], 0);
            throw link is not null
                ? SymbolicLinkException.InPlaceOfFile(FullPath(from), link)
                : new IOException($"{Shown(from)} was replaced by another file while Shoal renamed it");
        }
        finally
        {
            Close(folder);
        }
    }

    public override void Delete(string[] path)
    {
        int folder = OpenParent(path, create: false);
        if (folder < 0) return;
        try
        {
            if (UnlinkAt(folder, path[^1], 0) != 0 && LastError != ENOENT) throw Failure(LastError, "cannot delete", path);
        }
        finally
        {
            Close(folder);
        }
    }

    public override void SyncFolderOf(string[] path)
    {
        int folder = OpenParent(path, create: false);
        if (folder < 0) return;
        // Best effort: some file systems refuse fsync on folders, and the data itself was already synced.
        FileSync(folder);
        Close(folder);
    }

    /// <summary>The folder holding the last component, opened; -1 when a folder on the way is missing and not created.</summary>
    private int OpenParent(string[] path, bool create)
    {
        int folder = OpenAt(-100 /* AT_FDCWD */, RealRoot, OpenDirectoryFlags, 0);
        if (folder < 0 && LastError == ENOENT && create)
        {
            System.IO.Directory.CreateDirectory(RealRoot);
            folder = OpenAt(-100, RealRoot, OpenDirectoryFlags, 0);
        }
        if (folder < 0)
        {
            if (LastError == ENOENT) return -1;
            throw Failure(LastError, "cannot open the folder", []);
        }
        for (int i = 0; i < path.Length - 1; i++)
        {
            int next;
            try
            {
                next = OpenChildFolder(folder, path, i, create);
            }
            finally
            {
                Close(folder);
            }
            if (next < 0) return -1;
            folder = next;
        }
        return folder;
    }

    private int OpenChildFolder(int parent, string[] path, int index, bool create)
    {
        var shown = path.AsSpan(0, index + 1);
        for (int attempt = 0; attempt < 3; attempt++)
        {
            int fd = OpenAt(parent, path[index], OpenDirectoryFlags | Flags.NoFollow, 0);
            if (fd >= 0) return fd;
            int errno = LastError;
            if (errno == ENOENT)
            {
                if (!create) return -1;
                if (MakeDirectoryAt(parent, path[index], FolderMode) != 0 && LastError != EEXIST) throw Failure(LastError, "cannot create", shown);
                continue;
            }
            if (errno is not (ELOOP or ENOTDIR)) throw Failure(errno, "cannot open", shown);
            var entry = StatAt(parent, path, index);
            if (entry.Kind == EntryKind.Link) return FollowFolderLink(parent, path, index);
            if (entry.Kind != EntryKind.Missing) throw FolderExpected(shown);
        }
        throw new IOException($"{Shown(shown)} keeps changing while Shoal opens it");
    }

    /// <summary>Opens the folder a link leads to, then checks where it really is: the check is on the open folder, so it cannot be raced.</summary>
    private int FollowFolderLink(int parent, string[] path, int index)
    {
        var shown = path.AsSpan(0, index + 1);
        int fd = OpenAt(parent, path[index], OpenDirectoryFlags, 0);
        string? target = LinkTarget(shown);
        if (fd < 0) throw new IOException($"{Shown(shown)} is a symbolic link{(target is null ? "" : " to " + Metainfo.PrintableText.Of(target))} that does not lead to a folder");
        string? real = new FileInfo($"/proc/self/fd/{fd}").LinkTarget;
        if (real is not null && IsInside(real)) return fd;
        Close(fd);
        throw SymbolicLinkException.LeadsOutside(FullPath(shown), target, Root);
    }

    private FolderEntry StatAt(int folder, string[] path, int index)
    {
        if (Statx(folder, path[index], SymlinkNoFollow, BasicStats, out var stat) != 0)
        {
            int errno = LastError;
            if (errno is ENOENT or ENOTDIR) return FolderEntry.Missing;
            throw Failure(errno, "cannot inspect", path.AsSpan(0, index + 1));
        }
        return stat.Type switch
        {
            TypeFile => new FolderEntry(EntryKind.File, StampOf(stat)),
            TypeFolder => new FolderEntry(EntryKind.Folder, FileStamp.Missing),
            TypeLink => new FolderEntry(EntryKind.Link, FileStamp.Missing),
            _ => new FolderEntry(EntryKind.Other, FileStamp.Missing),
        };
    }

    private StatX StatOf(int fd, ReadOnlySpan<string> path)
    {
        if (Statx(fd, "", EmptyPath, BasicStats, out var stat) != 0) throw Failure(LastError, "cannot inspect", path);
        return stat;
    }

    private static FileStamp StampOf(in StatX stat) =>
        new((long)stat.Size, stat.ModifyTime.Ticks, stat.ChangeTime.Ticks, (long)stat.Inode);

    private Exception OpenFailure(int errno, int folder, string[] path) => errno switch
    {
        ELOOP => SymbolicLinkException.InPlaceOfFile(FullPath(path), LinkTarget(path)),
        EEXIST when StatAt(folder, path, path.Length - 1).Kind == EntryKind.Link => SymbolicLinkException.InPlaceOfFile(FullPath(path), LinkTarget(path)),
        EISDIR => FileExpected(path, EntryKind.Folder),
        _ => Failure(errno, "cannot open", path),
    };

    /// <summary>The error as .NET would raise it: permission problems as <see cref="UnauthorizedAccessException"/>, the rest as IOException carrying the errno.</summary>
    private Exception Failure(int errno, string what, ReadOnlySpan<string> path)
    {
        string message = $"{what} {Shown(path)}: {Describe(errno)}";
        return errno is EACCES or EPERM ? new UnauthorizedAccessException(message) : new IOException(message, errno);
    }
}
