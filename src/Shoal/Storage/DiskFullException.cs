namespace Shoal.Storage;

/// <summary>The download cannot fit: either found before starting (free-space check) or when a write hit ENOSPC.</summary>
public sealed class DiskFullException : IOException
{
    public DiskFullException(string message, Exception? inner = null) : base(message, inner) { }

    /// <summary>The directory whose file system is full.</summary>
    public string? Directory { get; init; }

    /// <summary>Bytes still needed (free-space check only, else null).</summary>
    public long? Needed { get; init; }

    /// <summary>Bytes free when checked (free-space check only, else null).</summary>
    public long? Available { get; init; }

    public static DiskFullException NotEnoughSpace(string directory, long needed, long available) =>
        new($"not enough disk space in {directory}: need {Describe(needed)}, {Describe(available)} free")
        { Directory = directory, Needed = needed, Available = available };

    private static string Describe(long bytes) => bytes < 1024 ? ByteSize.Format(bytes) : $"{ByteSize.Format(bytes)} ({bytes} bytes)";

    /// <summary>
    /// If <paramref name="ex"/> reports a full disk or exhausted quota, a <see cref="DiskFullException"/> naming the file;
    /// otherwise null. (.NET puts the errno in HResult on Unix and the Win32 HRESULT on Windows.)
    /// </summary>
    public static DiskFullException? FromWriteFailure(IOException ex, string path)
    {
        const int ENOSPC = 28, EDQUOT = 122, ErrorHandleDiskFull = unchecked((int)0x80070027), ErrorDiskFull = unchecked((int)0x80070070);
        bool full = OperatingSystem.IsWindows()
            ? ex.HResult is ErrorHandleDiskFull or ErrorDiskFull
            : ex.HResult is ENOSPC or EDQUOT;
        if (!full) return null;
        return new DiskFullException($"disk full while writing {path}: no space left on device", ex) { Directory = Path.GetDirectoryName(path) };
    }
}
