using System.Text.RegularExpressions;
using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;
using static Shoal.EndToEnd.Tests.Robustness.ShoalProcess;

namespace Shoal.EndToEnd.Tests.Robustness;

/// <summary>
/// What a power cut could lose: a `shoal get` traced with strace must fsync the data it wrote before it gives the file
/// its final name, and before each resume record that vouches for it (the record itself is fsynced before its rename).
/// </summary>
public sealed partial class DurabilityTests
{
    private const long Size = 6 * 1024 * 1024;

    [Fact]
    public async Task Data_is_fsynced_before_the_part_rename_and_before_every_resume_record()
    {
        if (!OperatingSystem.IsLinux()) Assert.Skip("strace is Linux-only");
        string strace = ReferencePrograms.Require("strace");
        using var dir = new TempDirectory("durability");
        string data = dir.WriteRandomFile("seed/data.bin", Size, seed: 51);
        string torrent = dir.Combine("data.torrent");
        int seedPort = FreePort.Next();
        // Throttled, so the download spans at least one periodic resume record (every 5 s).
        await using var seeder = await StartSeederAsync(data, torrent, seedPort, extra: ["--upload-limit", "800K"]);
        string log = dir.Combine("strace.log");
        string output = dir.Combine("out");

        var result = await Task.Run(() => ProcessRunner.Run(strace,
            ["-f", "-y", "-qq", "-o", log, "-e", "trace=pwrite64,pwritev,pwritev2,fsync,fdatasync,rename,renameat,renameat2",
             "dotnet", CliPath, "get", torrent, "-o", output, "--port", "0", "--bind", "127.0.0.1", "--quiet",
             "--peer", $"127.0.0.1:{seedPort}", "--idle-timeout", "30"], TimeSpan.FromSeconds(120)), TestContext.Current.CancellationToken);
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.StdErr}{result.StdOut}");

        var calls = Parse(File.ReadAllLines(log));
        bool IsData(Call c) => c.Path is { } p && (p.EndsWith("/data.bin", StringComparison.Ordinal) || p.EndsWith("/data.bin.part", StringComparison.Ordinal));
        var writes = calls.Where(c => c.Name.StartsWith("pwrite", StringComparison.Ordinal) && IsData(c)).ToList();
        var syncs = calls.Where(c => c.Name is "fsync" or "fdatasync").ToList();
        var renames = calls.Where(c => c.Name.StartsWith("rename", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(writes);

        // NAME.part → NAME: only after an fsync of the .part that followed its last write.
        var final = Assert.Single(renames, c => c.Arguments.Contains("data.bin.part\",", StringComparison.Ordinal));
        int lastWrite = writes.Where(w => w.End < final.Start).Max(w => w.End);
        Assert.Contains(syncs, s => IsData(s) && s.Start > lastWrite && s.End < final.Start);

        // Each resume record: written to a temporary file, fsynced, renamed; and the data written before it synced first.
        var records = renames.Where(c => RecordRename().IsMatch(c.Arguments)).ToList();
        Assert.True(records.Count >= 3, $"{records.Count} records (at open, periodic, at completion) in:\n{string.Join('\n', renames.Select(r => r.Arguments))}");
        foreach (var record in records)
        {
            Assert.Contains(syncs, s => s.Path?.EndsWith(".resume.tmp", StringComparison.Ordinal) == true && s.End < record.Start);
            var firstWrite = writes.FirstOrDefault(w => w.End < record.Start);
            if (firstWrite is null) continue; // the record written at open vouches for nothing
            Assert.True(syncs.Any(s => IsData(s) && s.Start > firstWrite.End && s.End < record.Start),
                $"resume record renamed at line {record.Start} with no fsync of the data written since line {firstWrite.End}");
        }
        Assert.Null(ContentComparison.Differences(data, Path.Combine(output, "data.bin")));
    }

    /// <summary>One traced system call: where it started and ended in the log (lines are in time order), its fd's path.</summary>
    private sealed record Call(string Name, string Arguments, string? Path, int Start, int End);

    /// <summary>strace -f -y output, with calls split by other threads (unfinished … resumed) joined again.</summary>
    private static List<Call> Parse(string[] lines)
    {
        var calls = new List<Call>();
        var pending = new Dictionary<string, (string Name, string Arguments, int Start)>();
        for (int i = 0; i < lines.Length; i++)
        {
            var started = Started().Match(lines[i]);
            if (started.Success)
            {
                var (pid, name, arguments) = (started.Groups[1].Value, started.Groups[2].Value, started.Groups[3].Value);
                if (arguments.EndsWith("<unfinished ...>", StringComparison.Ordinal)) pending[pid] = (name, arguments, i);
                else calls.Add(new Call(name, arguments, PathOf(arguments), i, i));
                continue;
            }
            var resumed = Resumed().Match(lines[i]);
            if (resumed.Success && pending.Remove(resumed.Groups[1].Value, out var call))
                calls.Add(new Call(call.Name, call.Arguments, PathOf(call.Arguments), call.Start, i));
        }
        return calls;
    }

    private static string? PathOf(string arguments)
    {
        var match = FdPath().Match(arguments);
        return match.Success ? match.Groups[1].Value : null;
    }

    [GeneratedRegex(@"^(\d+)\s+(\w+)\((.*)$")]
    private static partial Regex Started();

    [GeneratedRegex(@"^(\d+)\s+<\.\.\. \w+ resumed>")]
    private static partial Regex Resumed();

    [GeneratedRegex(@"^\d+<([^>]*)>")]
    private static partial Regex FdPath();

    [GeneratedRegex(@"\.resume\.tmp"",.*\.resume""")]
    private static partial Regex RecordRename();
}
