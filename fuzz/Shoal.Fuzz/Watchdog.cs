using System.Diagnostics;

namespace Shoal.Fuzz;

/// <summary>
/// Turns a hang into a reported crash. Under afl-fuzz every input runs in this one process, so afl-fuzz's own timeout can
/// only kill it, losing which input hung; instead, an input still running after <see cref="Limit"/> is written to
/// SHOAL_FUZZ_HANG_DIR (and stderr) and the process fails fast. fuzz/run.sh looks there after afl-fuzz stops.
/// </summary>
internal sealed class Watchdog
{
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(
        double.TryParse(Environment.GetEnvironmentVariable("SHOAL_FUZZ_HANG_SECONDS"), out var s) && s > 0 ? s : 5);

    private readonly string _target;
    private byte[]? _input;
    private long _startedAt;

    public Watchdog(string target)
    {
        _target = target;
        new Thread(Watch) { IsBackground = true, Name = "fuzz watchdog" }.Start();
    }

    public void Begin(byte[] input)
    {
        Volatile.Write(ref _input, input);
        Volatile.Write(ref _startedAt, Stopwatch.GetTimestamp());
    }

    public void End() => Volatile.Write(ref _startedAt, 0);

    private void Watch()
    {
        while (true)
        {
            Thread.Sleep(200);
            long started = Volatile.Read(ref _startedAt);
            if (started == 0 || Stopwatch.GetElapsedTime(started) < Limit) continue;
            var input = Volatile.Read(ref _input) ?? [];
            var where = Save(input);
            Console.Error.WriteLine($"HANG in {_target}: an input of {input.Length} bytes ran for more than {Limit.TotalSeconds} s{where}");
            Console.Error.WriteLine($"base64: {Convert.ToBase64String(input)}");
            Environment.FailFast($"{_target}: hang");
        }
    }

    private static string Save(byte[] input)
    {
        var dir = Environment.GetEnvironmentVariable("SHOAL_FUZZ_HANG_DIR");
        if (string.IsNullOrEmpty(dir)) return "";
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, $"hang-{Convert.ToHexStringLower(System.Security.Cryptography.SHA1.HashData(input))[..16]}");
        File.WriteAllBytes(path, input);
        return $"; saved as {path}";
    }
}
