namespace Shoal.Tests.Support.Reference;

/// <summary>File modes the reference programs need (they run on Linux only).</summary>
internal static class UnixModes
{
    private const UnixFileMode ReadableByAll = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode ExecutableByAll = ReadableByAll | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    /// <summary>rw-r--r--: a file another user (opentracker after setuid nobody) must read.</summary>
    public static void MakeReadableByAll(string file) => Set(file, ReadableByAll);

    /// <summary>rwxr-xr-x: a folder others must enter, or a script to run.</summary>
    public static void MakeExecutableByAll(string path) => Set(path, ExecutableByAll);

    private static void Set(string path, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("the reference programs run on Linux");
        File.SetUnixFileMode(path, mode);
    }
}
