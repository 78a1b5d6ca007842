using System.Diagnostics;

namespace Shoal.Fuzz;

/// <summary>Runs saved inputs (crashes, hangs, a corpus) through a target outside afl-fuzz and says what each one does.</summary>
internal static class Replay
{
    public static int Run(FuzzTarget target, string[] paths)
    {
        var missing = paths.Where(p => !File.Exists(p) && !Directory.Exists(p)).ToArray();
        if (missing.Length > 0)
        {
            Console.Error.WriteLine($"no such file or folder: {string.Join(", ", missing)}");
            return 2;
        }
        int failures = 0;
        foreach (var path in paths.SelectMany(Expand))
        {
            var data = File.ReadAllBytes(path);
            var clock = Stopwatch.StartNew();
            Exception? error = null;
            bool accepted = false;
            long allocated = 0;
            try
            {
                accepted = Guard.Run(target, data, out allocated);
            }
            catch (Exception e)
            {
                error = e;
            }
            clock.Stop();
            if (error is not null)
            {
                failures++;
                Console.WriteLine($"CRASH {path} ({data.Length} bytes): {error.GetType().FullName}: {error.Message}");
                Console.WriteLine(error.StackTrace);
            }
            else if (clock.Elapsed > Watchdog.Limit)
            {
                failures++;
                Console.WriteLine($"HANG {path} ({data.Length} bytes): took {clock.Elapsed.TotalSeconds:F1} s");
            }
            else Console.WriteLine($"ok {path} ({data.Length} bytes, {(accepted ? "accepted" : "rejected")}, {clock.Elapsed.TotalMilliseconds:F1} ms, {allocated:N0} bytes allocated)");
        }
        return failures == 0 ? 0 : 1;
    }

    private static IEnumerable<string> Expand(string path) =>
        Directory.Exists(path) ? Directory.EnumerateFiles(path).Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal) : [path];
}
