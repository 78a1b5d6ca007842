using System.Globalization;

namespace Shoal.Cli.Output;

/// <summary>Human byte sizes in binary units (1 KiB = 1024 B), for display and for options such as --piece-size.</summary>
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
    /// Parses a whole number of bytes with an optional binary suffix, case-insensitive: "262144", "256K", "256KiB",
    /// "256kb", "4M", "1G" (K/KB/KiB all mean 1024).
    /// </summary>
    public static bool TryParse(string? text, out long bytes)
    {
        bytes = 0;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var s = text.Trim();
        int digits = 0;
        while (digits < s.Length && char.IsAsciiDigit(s[digits])) digits++;
        if (digits == 0 || !long.TryParse(s.AsSpan(0, digits), NumberStyles.None, CultureInfo.InvariantCulture, out long number)) return false;
        var suffix = s[digits..].Trim().ToUpperInvariant();
        int shift = suffix switch
        {
            "" or "B" => 0,
            "K" or "KB" or "KIB" => 10,
            "M" or "MB" or "MIB" => 20,
            "G" or "GB" or "GIB" => 30,
            "T" or "TB" or "TIB" => 40,
            _ => -1,
        };
        if (shift < 0 || number > long.MaxValue >> shift) return false;
        bytes = number << shift;
        return true;
    }
}
