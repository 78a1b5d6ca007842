using System.Globalization;

namespace Shoal.Trackers;

/// <summary>Short human forms for messages ("15 s", "2 min", "2 MiB").</summary>
internal static class Durations
{
    public static string Format(TimeSpan span) => span switch
    {
        { TotalSeconds: < 1 } => $"{span.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)} ms",
        { TotalMinutes: < 2 } => $"{span.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s",
        { TotalHours: < 2 } => $"{span.TotalMinutes.ToString("0.#", CultureInfo.InvariantCulture)} min",
        _ => $"{span.TotalHours.ToString("0.#", CultureInfo.InvariantCulture)} h",
    };

    public static string FormatBytes(long bytes) => bytes switch
    {
        >= 1 << 20 => $"{(bytes / 1048576.0).ToString("0.#", CultureInfo.InvariantCulture)} MiB",
        >= 1 << 10 => $"{(bytes / 1024.0).ToString("0.#", CultureInfo.InvariantCulture)} KiB",
        _ => $"{bytes} bytes",
    };
}
