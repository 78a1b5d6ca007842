using Microsoft.Win32.SafeHandles;
using Shoal.Metainfo;

namespace Shoal.Storage;

/// <summary>
/// <see cref="ConfinedFolder"/> where Shoal has no race-free system calls (Windows, macOS, unknown Linux architectures):
/// the same rules, checked by name just before each open, so a local attacker fast enough to swap a link in between the
/// check and the open could win. Also what the tests run to check the rules on every system.
/// With <paramref name="followLinks"/> it follows every link like any program: only for content the user named
/// themselves (<c>shoal seed PATH</c>, whose torrent was made by following the same links), never for downloads.
/// </summary>
internal sealed class PortableConfinedFolder(string root, bool followLinks = false) : ConfinedFolder(root)
{
    public override FolderEntry Inspect(string[] path)
    {
        string? full = CheckFolders(path, create: false);
        return full is null ? FolderEntry.Missing : InspectFile(full);
    }

    public override OpenedFile? Open(string[] path, OpenMode mode)
    {
        string? full = CheckFolders(path, create: mode != OpenMode.Existing);
        if (full is null) return null;
        var entry = InspectFile(full);
        if (entry.Kind == EntryKind.Link) throw SymbolicLinkException.InPlaceOfFile(full, LinkTarget(path));
        if (entry.Kind is EntryKind.Folder or EntryKind.Other) throw FileExpected(path, entry.Kind);
        if (entry.Kind == EntryKind.Missing && mode == OpenMode.Existing) return null;
        var fileMode = mode switch
        {
            OpenMode.Existing => FileMode.Open,
            OpenMode.OpenOrCreate => FileMode.OpenOrCreate,
            _ => FileMode.CreateNew,
        };
        try
        {
            return new OpenedFile(File.OpenHandle(full, fileMode, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete), true);
        }
        catch (UnauthorizedAccessException) when (mode == OpenMode.Existing)
        {
            return new OpenedFile(File.OpenHandle(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete), false);
        }
        catch (IOException e) when (mode == OpenMode.Existing && e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public override FileStamp Stamp(SafeFileHandle handle) =>
        new(RandomAccess.GetLength(handle), File.GetLastWriteTimeUtc(handle).Ticks);

    public override void Rename(string[] from, string[] to)
    {
        RequireSameFolder(from, to);
        string full = CheckFolders(from, create: false) ?? throw new FileNotFoundException($"{Shown(from)} is missing");
        var source = InspectFile(full);
        if (source.Kind == EntryKind.Link) throw SymbolicLinkException.InPlaceOfFile(full, LinkTarget(from));
        if (source.Kind == EntryKind.Missing) throw new FileNotFoundException($"{Shown(from)} is missing");
        if (source.Kind != EntryKind.File) throw FileExpected(from, source.Kind);
        string target = FullPath(to);
        var existing = InspectFile(target);
        if (existing.Kind == EntryKind.Link) throw SymbolicLinkException.InPlaceOfFile(target, LinkTarget(to));
        if (existing.Kind is EntryKind.Folder or EntryKind.Other) throw FileExpected(to, existing.Kind);
        File.Move(full, target, overwrite: true);
    }

    public override void Delete(string[] path)
    {
        string? full = CheckFolders(path, create: false);
        if (full is not null && InspectFile(full).Kind != EntryKind.Missing) File.Delete(full);
    }

    public override void SyncFolderOf(string[] path)
    {
        // .NET cannot open a folder for fsync portably; the files themselves are synced before they are renamed.
    }

    /// <summary>Checks (and creates, if asked) the folders on the way; the last component's full path, or null if a folder is missing.</summary>
    private string? CheckFolders(string[] path, bool create)
    {
        if (!Directory.Exists(Root))
        {
            if (!create) return null;
            Directory.CreateDirectory(Root);
        }
        string current = Root;
        for (int i = 0; i < path.Length - 1; i++)
        {
            current = Path.Join(current, path[i]);
            var shown = path.AsSpan(0, i + 1);
            var folder = new DirectoryInfo(current);
            if (!followLinks && folder.LinkTarget is { } target)
            {
                string real = SymbolicLinks.RealPath(current);
                if (!IsInside(real)) throw SymbolicLinkException.LeadsOutside(current, target, Root);
                if (!Directory.Exists(real)) throw new IOException($"{Shown(shown)} is a symbolic link to {PrintableText.Of(target)} that does not lead to a folder");
                continue;
            }
            if (File.Exists(current)) throw FolderExpected(shown);
            if (folder.Exists) continue;
            if (!create) return null;
            Directory.CreateDirectory(current);
        }
        return Path.Join(current, path[^1]);
    }

    private FolderEntry InspectFile(string full)
    {
        var file = new FileInfo(full);
        if (file.LinkTarget is not null)
        {
            if (!followLinks) return new FolderEntry(EntryKind.Link, FileStamp.Missing);
            file = new FileInfo(SymbolicLinks.RealPath(full));
        }
        if (Directory.Exists(full)) return new FolderEntry(EntryKind.Folder, FileStamp.Missing);
        return file.Exists ? new FolderEntry(EntryKind.File, new FileStamp(file.Length, file.LastWriteTimeUtc.Ticks)) : FolderEntry.Missing;
    }
}
