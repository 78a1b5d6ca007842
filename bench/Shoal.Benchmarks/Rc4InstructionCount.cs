using System.Diagnostics;
using System.Globalization;
using Shoal.Transport.Mse;

namespace Shoal.Benchmarks;

/// <summary>
/// Encrypts MiB megabytes in place, 256 KiB at a time, for counting instructions per byte under valgrind (valid on a
/// busy machine, unlike wall time). Run twice with two sizes and divide the difference in instructions by the difference
/// in bytes, which cancels start-up and the JIT; bench/rc4-instructions.sh does that.
/// Run: dotnet run -c Release --project bench/Shoal.Benchmarks -- rc4-instructions MiB
/// </summary>
internal static class Rc4InstructionCount
{
    public static int Run(string[] args)
    {
        int mib = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 16;
        var buffer = new byte[256 * 1024];
        new Random(1).NextBytes(buffer);
        var rc4 = new Rc4("a 20-byte SHA-1 key."u8);
        rc4.Discard(1024);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        for (int k = 0; k < mib * 4; k++) rc4.Transform(buffer);
        double seconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        // The last byte is printed so nothing is elided; the CPU time means something only on a quiet machine.
        Console.WriteLine($"{mib} MiB encrypted in {seconds:F3} CPU-s ({mib / seconds:F0} MiB per CPU-s); last byte {buffer[^1]}");
        return 0;
    }
}
