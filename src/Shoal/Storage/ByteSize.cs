using System.Globalization;

namespace Shoal.Storage;

/// <summary>
/// Byte counts as people write them, for messages, the CLI and the benchmark harness alike. Output is in binary units
/// (1 KiB = 1024 B). Input follows GNU coreutils: K, KiB, M, MiB, ... are powers of 1024; KB, MB, GB, TB (and kB) are
/// powers of 1000, as in "10MB/s".
/// </summary>
public static class ByteSize
{
    private static readonly string[] Units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

    /// <summary>"512 B", "256 KiB", "1.5 GiB": whole numbers without decimals, others with one (two below 10).</summary>
    public static string Format(long bytes)
    {
        if (bytes < 0) return "-" + Format(bytes == long.MinValue ? long.MaxValue : -bytes);
        int unit = 0;
        double value = bytes;
        while (value >= 1024 && unit < Units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        if (unit == 0 || value == Math.Floor(value)) return $"{value.ToString("0", CultureInfo.InvariantCulture)} {Units[unit]}";
        string format = value < 10 ? "0.##" : "0.#";
        return $"{value.ToString(format, CultureInfo.InvariantCulture)} {Units[unit]}";
    }

    /// <summary>"1,234,567" with invariant thousands separators.</summary>
    public static string Exact(long bytes) => bytes.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>
    /// Parses a size: a number (a decimal fraction is allowed and rounded to whole bytes) with an optional unit,
    /// case-insensitive except that "b" alone is never bits: "262144", "256K", "256KiB", "1.5G", "10MB" (10,000,000).
    /// </summary>
    public static bool TryParse(string? text, out long bytes)
    {
        bytes = 0;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var s = text.Trim();
        int end = 0;
        while (end < s.Length && (char.IsAsciiDigit(s[end]) || s[end] == '.')) end++;
        if (end == 0 || !decimal.TryParse(s.AsSpan(0, end), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal number))
            return false;
        if (Factor(s[end..].Trim()) is not { } factor) return false;
        decimal value = Math.Round(number * factor, MidpointRounding.AwayFromZero);
        if (value > long.MaxValue) return false;
        bytes = (long)value;
        return true;
    }

    /// <summary>As <see cref="TryParse"/>; throws <see cref="FormatException"/> with a message fit for the user.</summary>
    public static long Parse(string text) =>
        TryParse(text, out long bytes) ? bytes : throw new FormatException($"'{text}' is not a size (examples: 1GiB, 256M, 10MB, 4096)");

    private static decimal? Factor(string unit)
    {
        if (unit.Length == 0 || unit is "B" or "b") return 1;
        char prefix = char.ToUpperInvariant(unit[0]);
        int power = "KMGTPE".IndexOf(prefix) + 1;
        if (power == 0) return null;
        return unit[1..].ToUpperInvariant() switch
        {
            "" or "I" or "IB" => Pow(1024, power),
            "B" => Pow(1000, power),
            _ => null,
        };
    }

    private static decimal Pow(int radix, int power)
    {
        decimal result = 1;
        for (int i = 0; i < power; i++) result *= radix;
        return result;
    }
}
