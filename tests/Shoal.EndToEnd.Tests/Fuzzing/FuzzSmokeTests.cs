using System.Globalization;
using Shoal.Tests.Support;

namespace Shoal.EndToEnd.Tests.Fuzzing;

/// <summary>
/// Every parser of untrusted bytes under afl-fuzz for a few seconds each (SHOAL_FUZZ_SMOKE_SECONDS, default 10), one
/// fuzzer at a time. A crash or hang fails the test with the input as hex and base64 and the exception it raises.
/// Longer campaigns: fuzz/run.sh TARGET SECONDS (fuzz/README.md). Needs afl-fuzz (afl++), installed by
/// scripts/install-reference-programs.sh: skipped without it, failed under CI.
/// </summary>
[Trait("Category", "Fuzz")]
public sealed class FuzzSmokeTests(FuzzWorkspace workspace) : IClassFixture<FuzzWorkspace>
{
    /// <summary>fuzz/run.sh's exit code when afl-fuzz found something.</summary>
    private const int FoundSomething = 1;

    private static readonly int Seconds =
        int.TryParse(Environment.GetEnvironmentVariable("SHOAL_FUZZ_SMOKE_SECONDS"), NumberStyles.None, CultureInfo.InvariantCulture, out int s) && s > 0 ? s : 10;

    private static readonly string[] TargetNames =
        ["bencode", "torrent", "magnet", "wire", "udp-client", "udp-server", "http-response", "announce-query", "resume", "krpc"];

    public static TheoryData<string> Targets => new(TargetNames);

    [Theory]
    [MemberData(nameof(Targets))]
    public void Parser_survives_a_short_fuzzing_run(string target)
    {
        ReferencePrograms.Require("afl-fuzz");
        var result = workspace.Fuzz(target, Seconds);
        Assert.True(result.ExitCode == 0,
            $"fuzzing '{target}' for {Seconds}s {(result.ExitCode == FoundSomething ? "found a crash or hang" : $"failed (exit {result.ExitCode})")}:\n{result.StdOut}\n{result.StdErr}");
        Assert.Contains("no crash, no hang", result.StdOut);
    }

    /// <summary>The pipeline itself can fail: the canary target crashes on inputs starting with 0xFF, which afl-fuzz finds at once.</summary>
    [Fact]
    public void A_crash_is_found_and_reported_with_its_input_and_exception()
    {
        ReferencePrograms.Require("afl-fuzz");
        var result = workspace.Fuzz("canary", 60);
        Assert.True(result.ExitCode == FoundSomething, $"the canary's crash was not reported (exit {result.ExitCode}):\n{result.StdOut}\n{result.StdErr}");
        Assert.Contains("base64: /", result.StdOut); // every input starting with 0xFF encodes to base64 starting with '/'
        Assert.Contains("CRASH", result.StdOut);
        Assert.Contains("canary: input starts with 0xFF", result.StdOut);
    }

    [Fact]
    public void Every_seed_corpus_has_a_smoke_test()
    {
        var corpora = Directory.EnumerateDirectories(Path.Combine(workspace.RepositoryRoot, "fuzz", "corpus"))
            .Select(Path.GetFileName).Where(name => name != "canary").Order(StringComparer.Ordinal);
        Assert.Equal(corpora, TargetNames.Order(StringComparer.Ordinal));
    }
}
