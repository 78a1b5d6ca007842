using Shoal.Tests.Support;

namespace Shoal.EndToEnd.Tests.Robustness;

/// <summary>
/// A small tmpfs mounted on a fresh folder, so a test can fill a disk without touching the machine's own.
/// Needs root (CAP_SYS_ADMIN); unmounted (lazily, if a killed process still holds a file) on dispose.
/// </summary>
internal sealed class SmallDisk : IDisposable
{
    private SmallDisk(string path) => Path = path;

    public string Path { get; }

    /// <summary>Mounts a tmpfs of <paramref name="bytes"/> on <paramref name="path"/>, or skips the test (fails it under CI=true).</summary>
    public static SmallDisk Mount(string path, long bytes)
    {
        Directory.CreateDirectory(path);
        ProcessRunner.Result result;
        try
        {
            result = ProcessRunner.Run("mount", ["-t", "tmpfs", "-o", $"size={bytes},mode=0755", "tmpfs", path], TimeSpan.FromSeconds(20));
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            ReferencePrograms.Unavailable($"cannot mount a small tmpfs for the full-disk test: {ex.Message}");
            throw; // not reached: Unavailable skips or fails
        }
        if (result.ExitCode != 0)
            ReferencePrograms.Unavailable($"cannot mount a small tmpfs for the full-disk test (needs root): {result.StdErr.Trim()}");
        return new SmallDisk(path);
    }

    /// <summary>Fills what is left of the disk with one file (returned), until the file system says it is full.</summary>
    public string Fill()
    {
        string filler = System.IO.Path.Combine(Path, "filler");
        var chunk = new byte[64 * 1024];
        using var stream = new FileStream(filler, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.WriteThrough);
        try
        {
            while (true) stream.Write(chunk);
        }
        catch (IOException)
        {
            // Full: no more room for a chunk; fill the last bytes too, one at a time.
            try
            {
                while (true) stream.Write(chunk, 0, 1);
            }
            catch (IOException) { }
        }
        return filler;
    }

    public void Dispose()
    {
        var result = ProcessRunner.Run("umount", [Path], TimeSpan.FromSeconds(20));
        if (result.ExitCode != 0) ProcessRunner.Run("umount", ["-l", Path], TimeSpan.FromSeconds(20));
    }
}
