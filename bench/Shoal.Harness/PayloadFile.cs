namespace Shoal.Harness;

/// <summary>The file being transferred: pseudo-random (incompressible, no repeated pieces) and deterministic
/// (the same seed gives the same bytes, so the same info-hash), written fast enough for many GiB.</summary>
public static class PayloadFile
{
    public static void Write(string path, long length, ulong seed)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var buffer = new byte[4 << 20];
        var words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(buffer.AsSpan());
        ulong state = seed;
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.SequentialScan);
        for (long left = length; left > 0; left -= buffer.Length)
        {
            for (int i = 0; i < words.Length; i++) words[i] = SplitMix64(ref state);
            stream.Write(buffer, 0, (int)Math.Min(buffer.Length, left));
        }
    }

    private static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
