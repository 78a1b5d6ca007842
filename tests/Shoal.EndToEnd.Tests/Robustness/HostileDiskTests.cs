using Shoal.Cli;
using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;
using static Shoal.EndToEnd.Tests.Robustness.ShoalProcess;

namespace Shoal.EndToEnd.Tests.Robustness;

/// <summary>
/// The two disk attacks reproduced from the command line, as a user would meet them: a link planted where the partial
/// download goes, and a finished file overwritten behind Shoal's back with its mtime put back (`touch -r`).
/// </summary>
[Trait("Category", "Hostile")]
public sealed class HostileDiskTests
{
    private const long Size = 4 * 1024 * 1024; // 64 pieces of 64 KiB

    [Fact]
    public async Task A_link_planted_at_the_part_name_is_one_line_naming_it_exit_5_and_its_target_is_untouched()
    {
        if (OperatingSystem.IsWindows()) Assert.Skip("symbolic links need privileges on Windows");
        using var dir = new TempDirectory("hostile-link");
        string data = dir.WriteRandomFile("seed/f.bin", Size, seed: 31);
        string torrent = dir.Combine("f.torrent");
        int seedPort = FreePort.Next();
        await using var seeder = await StartSeederAsync(data, torrent, seedPort);
        string victim = dir.Combine("victim");
        await File.WriteAllTextAsync(victim, "precious", TestContext.Current.CancellationToken);
        string output = dir.Combine("out");
        Directory.CreateDirectory(output);
        string part = Path.Combine(output, "f.bin.part");
        File.CreateSymbolicLink(part, victim);

        var result = await Task.Run(() => Run("get", torrent, "-o", output, "--port", "0", "--bind", "127.0.0.1", "--quiet",
            "--peer", $"127.0.0.1:{seedPort}", "--idle-timeout", "20"), TestContext.Current.CancellationToken);

        string line = CleanError.AssertOneLine(ExitCodes.DiskError, result.ExitCode, CleanError.Lines(result.StdErr), result.StdOut);
        Assert.StartsWith($"shoal: {part} is a symbolic link to {victim}", line);
        Assert.Equal("precious", await File.ReadAllTextAsync(victim, TestContext.Current.CancellationToken));
        var final = new FileInfo(Path.Combine(output, "f.bin"));
        Assert.False(final.Exists || final.LinkTarget is not null, "the link was given the torrent's name");
    }

    [Fact]
    public async Task A_hostile_name_in_an_error_reaches_the_terminal_filtered()
    {
        if (OperatingSystem.IsWindows()) Assert.Skip("symbolic links need privileges on Windows");
        using var dir = new TempDirectory("hostile-name");
        // U+202E (right-to-left override) is allowed in names, so the error about this file carries it: it must not reach the terminal.
        string name = "invoice\u202Efdp.exe";
        string data = dir.WriteRandomFile(Path.Combine("src", name), 100_000);
        string torrent = dir.Combine("x.torrent");
        Run("create", data, "--tracker", "http://127.0.0.1:1/announce", "-o", torrent).EnsureSuccess("shoal create");
        string output = dir.Combine("out");
        Directory.CreateDirectory(output);
        File.CreateSymbolicLink(Path.Combine(output, name + ".part"), dir.Combine("victim"));

        var result = Run("get", torrent, "-o", output, "--port", "0", "--bind", "127.0.0.1", "--quiet", "--json");
        string line = CleanError.AssertOneLine(ExitCodes.DiskError, result.ExitCode, CleanError.Lines(result.StdErr), result.StdOut);
        Assert.Contains("invoice?fdp.exe.part is a symbolic link", line);
        Assert.DoesNotContain('\u202E', result.StdErr + result.StdOut);
    }

    [Fact]
    public async Task A_finished_file_overwritten_with_its_mtime_put_back_is_rechecked_and_repaired_not_called_verified()
    {
        using var dir = new TempDirectory("hostile-touch");
        var ct = TestContext.Current.CancellationToken;
        string data = dir.WriteRandomFile("seed/f.bin", Size, seed: 32);
        string torrent = dir.Combine("f.torrent");
        int seedPort = FreePort.Next();
        await using var seeder = await StartSeederAsync(data, torrent, seedPort);
        string output = dir.Combine("out");
        string[] args = ["get", torrent, "-o", output, "--port", "0", "--bind", "127.0.0.1", "--quiet", "--peer", $"127.0.0.1:{seedPort}", "--idle-timeout", "20"];

        var first = await Task.Run(() => Run(args), ct);
        Assert.Equal(0, first.ExitCode);
        Assert.Contains("done: f.bin — all 64 pieces verified", first.StdOut);

        // The attack: 4 KiB overwritten inside piece 10, then `touch -r` with a copy of the old times.
        string file = Path.Combine(output, "f.bin");
        string reference = dir.Combine("times");
        File.WriteAllText(reference, "");
        ProcessRunner.Run("touch", ["-r", file, reference], TimeSpan.FromSeconds(10)).EnsureSuccess("touch -r");
        await using (var stream = new FileStream(file, FileMode.Open, FileAccess.Write))
        {
            stream.Position = 10 * 65536 + 1000;
            stream.Write(new byte[4096]);
        }
        ProcessRunner.Run("touch", ["-r", reference, file], TimeSpan.FromSeconds(10)).EnsureSuccess("touch -r back");

        var second = await Task.Run(() => Run(args), ct);
        Assert.True(second.ExitCode == 0, $"exit {second.ExitCode}\n{second.StdOut}\n{second.StdErr}");
        Assert.Contains("done: f.bin — all 64 pieces verified (63 already on disk, 1 downloaded)", second.StdOut);
        Assert.Null(ContentComparison.Differences(data, file));

        // And an untouched file: the record is believed, and said to be.
        var third = await Task.Run(() => Run(args), ct);
        Assert.Equal(0, third.ExitCode);
        Assert.Contains("done: f.bin — 64 pieces (64 resumed from the last run, 0 downloaded)", third.StdOut);
    }
}
