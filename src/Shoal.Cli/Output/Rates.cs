using Shoal.Storage;

namespace Shoal.Cli.Output;

/// <summary>Formatting of rates and durations for progress displays.</summary>
internal static class Rates
{
    public static string Format(double bytesPerSecond) => $"{ByteSize.Format((long)bytesPerSecond)}/s";

    public static string Duration(TimeSpan? span)
    {
        if (span is not { } t || t.TotalDays > 99) return "--";
        if (t.TotalHours >= 1) return $"{(int)t.TotalHours}h{t.Minutes:00}m";
        if (t.TotalMinutes >= 1) return $"{t.Minutes}m{t.Seconds:00}s";
        return $"{t.TotalSeconds:0.0}s".Replace(".0s", "s", StringComparison.Ordinal);
    }
}
