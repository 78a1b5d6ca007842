using System.Globalization;

namespace Shoal.Harness;

/// <summary>Sizes and rates on the command line: "1GiB", "256MiB", "10MB" (binary and decimal units), plain bytes.</summary>
public static class ByteSize
{
    private static readonly (string Suffix, long Factor)[] Units =
    [
        ("KiB", 1L << 10), ("MiB", 1L << 20), ("GiB", 1L << 30), ("TiB", 1L << 40),
        ("kB", 1000), ("KB", 1000), ("MB", 1000_000), ("GB", 1000_000_000), ("B", 1),
    ];

    public static long Parse(string text)
    {
        var trimmed = text.Trim();
        foreach (var (suffix, factor) in Units)
        {
            if (!trimmed.EndsWith(suffix, StringComparison.Ordinal)) continue;
            var number = trimmed[..^suffix.Length].Trim();
            if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0)
                return checked((long)Math.Round(value * factor));
            break;
        }
        return long.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes)
            ? bytes
            : throw new FormatException($"'{text}' is not a size (examples: 1GiB, 256MiB, 10MB, 4096)");
    }

    public static string Format(long bytes) => bytes switch
    {
        >= 1L << 30 when bytes % (1L << 30) == 0 => $"{bytes >> 30} GiB",
        >= 1L << 20 when bytes % (1L << 20) == 0 => $"{bytes >> 20} MiB",
        >= 1L << 10 when bytes % (1L << 10) == 0 => $"{bytes >> 10} KiB",
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
    };
}
