using System.Text;

namespace Shoal.Metainfo;

/// <summary>
/// Rules for file and folder names taken from untrusted .torrent files: every component must be a plain name that
/// stays inside the download folder and means the same file on every operating system, so the same rules hold on
/// Linux as on Windows (a download folder may well be an NTFS, exFAT or SMB mount).
/// </summary>
public static class PathSafety
{
    /// <summary>The most UTF-8 bytes a file system allows in one name (ext4, XFS, btrfs, APFS; NTFS counts 255 UTF-16 units).</summary>
    public const int MaxNameBytes = 255;

    /// <summary>What Shoal appends to a file's name until every piece in it verified.</summary>
    public const string PartSuffix = ".part";

    // Windows opens these as devices in every folder, with any extension ("nul.txt") and trailing spaces ("AUX .txt").
    // COM¹²³/LPT¹²³ count too: Windows reads the superscript digits as 1, 2, 3.
    private static readonly HashSet<string> ReservedDeviceNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$",
        "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "COM\u00b9", "COM\u00b2", "COM\u00b3",
        "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9", "LPT\u00b9", "LPT\u00b2", "LPT\u00b3",
    };

    /// <summary>Null when the component is safe, else why it is not (to follow "it contains").</summary>
    public static string? WhyUnsafe(string segment)
    {
        if (segment.Length == 0) return "an empty path component";
        if (segment is "." or "..") return $"the path component '{segment}'";
        foreach (char c in segment)
        {
            if (c is '/' or '\\') return "a path separator inside a component (an absolute or nested path)";
            if (char.IsControl(c)) return "a control character";
            // NTFS reads "name:stream" as an alternate data stream of "name", and "C:x" as a drive-relative path.
            if (c == ':') return "a colon (':'), which Windows reads as a drive or a hidden data stream";
        }
        if (segment[^1] is '.' or ' ') return $"a trailing dot or space in '{PrintableText.Of(segment)}', which Windows drops (making it another file's name)";
        int bytes = Encoding.UTF8.GetByteCount(segment);
        if (bytes + PartSuffix.Length > MaxNameBytes)
            return $"a name of {bytes} bytes (in UTF-8; at most {MaxNameBytes - PartSuffix.Length}, so that NAME{PartSuffix} fits the {MaxNameBytes}-byte limit of file systems)";
        int dot = segment.IndexOf('.');
        if (ReservedDeviceNames.Contains((dot < 0 ? segment : segment[..dot]).TrimEnd(' ')))
            return $"the reserved device name '{PrintableText.Of(segment)}'";
        return null;
    }

    /// <summary>Throws <see cref="InvalidTorrentException"/> naming <paramref name="fullPath"/> if the segment is unsafe.</summary>
    public static void EnsureSafeSegment(string segment, string fullPath)
    {
        var why = WhyUnsafe(segment);
        if (why is not null) throw new InvalidTorrentException($"unsafe path '{PrintableText.Of(fullPath)}' in torrent: it contains {why}");
    }
}
