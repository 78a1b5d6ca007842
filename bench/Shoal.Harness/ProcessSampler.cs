using System.Globalization;

namespace Shoal.Harness;

/// <summary>CPU time and peak resident memory of one process, read from /proc while it runs.</summary>
/// <remarks>Sampled in the background so that a process that exits on completion (aria2 without seeding) still has
/// figures; <see cref="Sample"/> reads once more when the process is still there, which is the exact figure.</remarks>
public sealed class ProcessSampler : IAsyncDisposable
{
    private const double TicksPerSecond = 100; // USER_HZ, 100 on every Linux architecture we run on
    private readonly int _pid;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private ProcessUsage _last;

    public ProcessSampler(int pid)
    {
        _pid = pid;
        _last = Read(pid) ?? default;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>The latest figures: read now if the process still runs, else the last background sample.</summary>
    public ProcessUsage Sample()
    {
        if (Read(_pid) is { } now) _last = now;
        return _last;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try { await _loop; }
        catch (OperationCanceledException) { }
        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            if (Read(_pid) is { } now) _last = now;
            await Task.Delay(50, _stop.Token);
        }
    }

    /// <summary>utime + stime (fields 14 and 15 of /proc/PID/stat) and VmHWM of /proc/PID/status.</summary>
    public static ProcessUsage? Read(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var status = File.ReadAllLines($"/proc/{pid}/status");
            // The command name (field 2) may hold spaces; the fields after it start past the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            long ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            long peakKiB = 0;
            foreach (var line in status)
            {
                if (!line.StartsWith("VmHWM:", StringComparison.Ordinal)) continue;
                peakKiB = long.Parse(line["VmHWM:".Length..].Replace("kB", "", StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture);
            }
            return new ProcessUsage(ticks / TicksPerSecond, peakKiB * 1024);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null; // exited (or a zombie whose status no longer has the figures)
        }
    }
}

/// <summary>CPU seconds (user + system) and peak resident set size (VmHWM) in bytes.</summary>
public readonly record struct ProcessUsage(double CpuSeconds, long PeakRssBytes);
