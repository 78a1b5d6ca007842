using System.Globalization;
using System.Text.Json;
using Shoal.Storage;

namespace Shoal.Harness;

/// <summary>Prints the results as a table and writes them as JSON.</summary>
public static class Report
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static void Print(PairReport report, TextWriter output)
    {
        output.WriteLine();
        output.WriteLine($"1 seeder → 1 leecher, {ByteSize.Format(report.Size)}, {ByteSize.Format(report.PieceLength)} pieces, {(report.Transport == "utp" ? "uTP" : "TCP")} on 127.0.0.1, " +
            $"median of {report.RunsPerPair} ({report.Machine.Cores} cores, {report.Machine.Cpu}, load average {report.Machine.LoadAverage})");
        Table(output, ["pair (seed:leech)", "MB/s", "min–max MB/s", "seconds", "leecher CPU-s", "leecher peak RSS MB", "seeder CPU-s"],
            report.Summary.Select(s => new[]
            {
                s.Pair, F(s.MedianMegabytesPerSecond, "0.0"), $"{F(s.MinMegabytesPerSecond, "0")}–{F(s.MaxMegabytesPerSecond, "0")}",
                F(s.MedianSeconds, "0.00"), F(s.MedianLeecherCpuSeconds, "0.0"), F(s.MedianLeecherPeakRssMegabytes, "0"),
                F(s.MedianSeederCpuSeconds, "0.0"),
            }));
    }

    public static void Print(SwarmReport report, TextWriter output)
    {
        output.WriteLine();
        output.WriteLine($"1 {report.SeederKind} seeder + {report.Leechers} {report.LeecherKind} leechers, every upload capped at " +
            $"{F(report.UploadCapBytesPerSecond / 1e6, "0.##")} MB/s, {ByteSize.Format(report.Size)}, median of {report.Runs.Count} " +
            $"(load average {report.Machine.LoadAverage})");
        Table(output, ["round", "last leecher done (s)", "first leecher done (s)", "× lower bound"],
            report.Runs.Select(r => new[]
            {
                r.Round.ToString(CultureInfo.InvariantCulture), F(r.LastFinishSeconds, "0.00"), F(r.FinishSeconds.Min(), "0.00"),
                F(r.LastFinishSeconds / report.LowerBoundSeconds, "0.00"),
            }));
        output.WriteLine($"median: {F(report.MedianLastFinishSeconds, "0.00")} s; lower bound max(F/u, N·F/(u+N·u)) = " +
            $"{F(report.LowerBoundSeconds, "0.00")} s; ratio {F(report.MedianRatioToLowerBound, "0.00")}");
    }

    public static void Print(MetadataReport report, TextWriter output)
    {
        output.WriteLine();
        output.WriteLine($"magnet → metadata in hand, {report.Pieces} pieces ({report.MetadataBytes} bytes of info dictionary), TCP on 127.0.0.1, " +
            $"median of {report.Runs.Max(r => r.Round)} (load average {report.Machine.LoadAverage})");
        Table(output, ["fetcher←seeder", "median ms", "min–max ms"],
            report.Runs.GroupBy(r => r.Direction).Select(g => new[]
            {
                g.Key, F(report.MedianMilliseconds[g.Key], "0.0"), $"{F(g.Min(r => r.Seconds) * 1000, "0.0")}–{F(g.Max(r => r.Seconds) * 1000, "0.0")}",
            }));
    }

    public static void WriteJson(object report, string path)
    {
        File.WriteAllText(path, JsonSerializer.Serialize(report, report.GetType(), Json));
    }

    internal static void Table(TextWriter output, string[] header, IEnumerable<string[]> rows)
    {
        var all = rows.Prepend(header).ToList();
        var widths = header.Select((_, c) => all.Max(r => r[c].Length)).ToArray();
        foreach (var (row, index) in all.Select((r, i) => (r, i)))
        {
            output.WriteLine(string.Join("  ", row.Select((cell, c) => c == 0 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))));
            if (index == 0) output.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
        }
    }

    internal static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
