namespace Shoal.Metainfo;

/// <summary>
/// Rules for file and folder names taken from untrusted .torrent files: every component must be a plain
/// name that stays inside the download folder on every operating system.
/// </summary>
public static class PathSafety
{
    private static readonly HashSet<string> ReservedDeviceNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "CON", "PRN", "AUX", "NUL",
        "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
        "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    };

    /// <summary>Null when the component is safe, else why it is not.</summary>
    public static string? WhyUnsafe(string segment)
    {
        if (segment.Length == 0) return "an empty path component";
        if (segment is "." or "..") return $"the path component '{segment}'";
        if (segment.Length > 255) return "a path component longer than 255 characters";
        foreach (char c in segment)
        {
            if (c is '/' or '\\') return "a path separator inside a component (an absolute or nested path)";
            if (c < 0x20 || c == 0x7f) return "a control character";
        }
        int dot = segment.IndexOf('.');
        if (ReservedDeviceNames.Contains(dot < 0 ? segment : segment[..dot])) return $"the reserved device name '{segment}'";
        return null;
    }

    /// <summary>Throws <see cref="InvalidTorrentException"/> naming <paramref name="fullPath"/> if the segment is unsafe.</summary>
    public static void EnsureSafeSegment(string segment, string fullPath)
    {
        var why = WhyUnsafe(segment);
        if (why is not null) throw new InvalidTorrentException($"unsafe path '{Printable(fullPath)}' in torrent: it contains {why}");
    }

    private static string Printable(string s) => new(s.Select(c => c < 0x20 || c == 0x7f ? '?' : c).ToArray());
}
