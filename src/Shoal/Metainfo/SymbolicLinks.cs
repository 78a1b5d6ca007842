namespace Shoal.Metainfo;

/// <summary>
/// realpath(3) in managed code: .NET resolves a link's last component but not links in the folders above it,
/// and loop detection needs one canonical name per folder.
/// </summary>
internal static class SymbolicLinks
{
    /// <summary>The same bound as Linux's ELOOP.</summary>
    private const int MaxLinks = 40;

    private static readonly char[] Separators = [Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar];

    /// <summary>The absolute path with every symbolic link, "." and ".." resolved; components that do not exist are kept as they are.</summary>
    public static string RealPath(string path)
    {
        var full = Path.GetFullPath(path);
        string current = Path.GetPathRoot(full) ?? "/";
        var pending = new Stack<string>();
        Push(pending, full[current.Length..]);
        int links = 0;
        while (pending.Count > 0)
        {
            var part = pending.Pop();
            if (part == ".") continue;
            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }
            var next = Path.Combine(current, part);
            var target = new FileInfo(next).LinkTarget;
            if (target is null)
            {
                current = next;
                continue;
            }
            if (++links > MaxLinks) throw new IOException($"too many levels of symbolic links in '{path}'");
            // An absolute target starts again from its root; a relative one continues from the link's folder.
            if (Path.IsPathRooted(target)) current = Path.GetPathRoot(target) ?? current;
            Push(pending, Path.IsPathRooted(target) ? target[(Path.GetPathRoot(target)?.Length ?? 0)..] : target);
        }
        return current;
    }

    private static void Push(Stack<string> pending, string relative)
    {
        var parts = relative.Split(Separators, StringSplitOptions.RemoveEmptyEntries);
        for (int i = parts.Length - 1; i >= 0; i--) pending.Push(parts[i]);
    }
}
