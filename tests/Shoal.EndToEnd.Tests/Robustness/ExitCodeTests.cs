using System.Reflection;
using System.Text.RegularExpressions;
using Shoal.Cli;
using Shoal.Tests.Support;
using static Shoal.EndToEnd.Tests.Robustness.ShoalProcess;

namespace Shoal.EndToEnd.Tests.Robustness;

/// <summary>The README's exit-code table is what the program does: the same codes as <see cref="ExitCodes"/>, and Ctrl+C/SIGTERM as documented.</summary>
public sealed partial class ExitCodeTests
{
    [GeneratedRegex(@"^\| (\d+) \| ", RegexOptions.Multiline)]
    private static partial Regex TableRow();

    [Fact]
    public void The_readme_documents_exactly_the_exit_codes_the_program_uses()
    {
        string readme = File.ReadAllText(FindReadme());
        int start = readme.IndexOf("### Exit codes", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no '### Exit codes' section");
        int end = readme.IndexOf("\n#", start + 1, StringComparison.Ordinal);
        string section = end < 0 ? readme[start..] : readme[start..end];
        var documented = TableRow().Matches(section).Select(m => int.Parse(m.Groups[1].Value)).Order().ToList();
        var used = typeof(ExitCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (int)f.GetValue(null)!).Order().ToList();
        Assert.Equal(used, documented);
    }

    [Fact]
    public async Task Sigterm_stops_a_seeder_with_0_and_an_unfinished_get_with_130_saying_how_to_resume()
    {
        using var dir = new TempDirectory("sigterm");
        string data = dir.WriteRandomFile("seed/data.bin", 4 * 1024 * 1024, seed: 41);
        string torrent = dir.Combine("data.torrent");
        int seedPort = FreePort.Next();
        await using var seeder = await StartSeederAsync(data, torrent, seedPort, extra: ["--upload-limit", "512K"]);
        await using var leecher = StartLeecher("leecher", torrent, dir.Combine("leech"), "--peer", $"127.0.0.1:{seedPort}");
        await leecher.WaitForProgressAsync(0.05, TimeSpan.FromSeconds(30));

        leecher.Signal(15);
        Assert.Equal(ExitCodes.Interrupted, await leecher.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        var last = leecher.JsonLines[^1];
        Assert.Equal("stopped", last.GetProperty("event").GetString());
        Assert.Contains("run the same command to resume", last.GetProperty("message").GetString());
        Assert.False(File.Exists(dir.Combine("leech", "data.bin")));

        seeder.Signal(15);
        Assert.Equal(ExitCodes.Success, await seeder.WaitForExitAsync(TimeSpan.FromSeconds(20)));
    }

    private static string FindReadme()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            string candidate = Path.Combine(folder.FullName, "README.md");
            if (File.Exists(candidate) && File.Exists(Path.Combine(folder.FullName, "Shoal.slnx"))) return candidate;
        }
        throw new FileNotFoundException("README.md (beside Shoal.slnx) not found above " + AppContext.BaseDirectory);
    }
}
