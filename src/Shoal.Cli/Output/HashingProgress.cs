using System.Diagnostics;
using System.Globalization;
using Shoal.Storage;
using Spectre.Console;

namespace Shoal.Cli.Output;

/// <summary>
/// Shows a byte-count job: a live Spectre.Console progress bar on a terminal, two plain lines otherwise
/// (redirected output, CI logs), so scripts never see cursor movement.
/// </summary>
public static class HashingProgress
{
    public static bool IsInteractive => !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    public static async Task<T> RunAsync<T>(string description, long totalBytes, Func<IProgress<long>?, Task<T>> work)
    {
        var clock = Stopwatch.StartNew();
        T result;
        Console.Out.WriteLine($"Hashing {description}");
        if (IsInteractive)
        {
            result = await AnsiConsole.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                    new TransferSpeedColumn(), new RemainingTimeColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask("hashing", maxValue: Math.Max(1, totalBytes));
                    var value = await work(new LargestValueProgress(v => task.Value = v));
                    task.Value = task.MaxValue;
                    return value;
                });
        }
        else
        {
            result = await work(null);
        }
        double seconds = Math.Max(clock.Elapsed.TotalSeconds, 1e-3);
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Hashed {ByteSize.Format(totalBytes)} in {seconds:0.00} s ({ByteSize.Format((long)(totalBytes / seconds))}/s)"));
        return result;
    }

    /// <summary>Applies reports at once on the reporting thread, ignoring any that arrive after a larger one.</summary>
    private sealed class LargestValueProgress(Action<double> apply) : IProgress<long>
    {
        private readonly Lock _lock = new();
        private long _largest;

        public void Report(long value)
        {
            lock (_lock)
            {
                if (value <= _largest) return;
                _largest = value;
                apply(value);
            }
        }
    }
}
