using BenchmarkDotNet.Attributes;
using Shoal.Transport.Mse;

namespace Shoal.Benchmarks;

/// <summary>
/// RC4 as MSE/PE uses it: one 16 KiB block (a piece message's payload) and one 256 KiB send buffer (what the send loop
/// hands the stream at once), encrypted in place. Expect no allocation. Wall time here only compares variants run on
/// a quiet machine; <see cref="Rc4InstructionCount"/> gives instructions per byte, which hold under load.
/// Run: dotnet run -c Release --project bench/Shoal.Benchmarks -- --filter '*Rc4Benchmarks*'
/// </summary>
[MemoryDiagnoser]
public class Rc4Benchmarks
{
    private readonly byte[] _data = new byte[256 * 1024];
    private Rc4 _rc4 = null!;

    [GlobalSetup]
    public void Setup()
    {
        new Random(1).NextBytes(_data);
        _rc4 = new Rc4("a 20-byte SHA-1 key."u8);
        _rc4.Discard(1024);
    }

    [Benchmark]
    public void Block16KiB() => _rc4.Transform(_data.AsSpan(0, 16 * 1024));

    [Benchmark]
    public void Buffer256KiB() => _rc4.Transform(_data);
}
