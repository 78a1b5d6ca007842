using System.Runtime.InteropServices;

namespace Shoal.Harness;

/// <summary>
/// On this VM, memory left untouched for a few seconds is handed back to the host and the first touch of it runs at
/// ~0.5 GB/s (../shared/INTEROP.md). A leecher fills the page cache with the whole file, so right before each timed
/// transfer we touch that much fresh memory, all of it at once, and free it: the kernel then has backed pages ready.
/// </summary>
public static class MemoryWarmer
{
    public static unsafe void Touch(long bytes)
    {
        const int page = 4096;
        const long chunk = 256L << 20;
        var chunks = new List<nint>();
        try
        {
            for (long done = 0; done < bytes; done += chunk)
            {
                long size = Math.Min(chunk, bytes - done);
                byte* memory = (byte*)NativeMemory.Alloc((nuint)size);
                chunks.Add((nint)memory);
                for (long offset = 0; offset < size; offset += page) memory[offset] = 1;
            }
        }
        finally
        {
            // Freed only after everything was touched, so the pages are distinct rather than one chunk reused.
            foreach (var memory in chunks) NativeMemory.Free((void*)memory);
        }
    }
}
