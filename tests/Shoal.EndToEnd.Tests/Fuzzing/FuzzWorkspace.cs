using System.Reflection;
using Shoal.Tests.Support;

namespace Shoal.EndToEnd.Tests.Fuzzing;

/// <summary>
/// One instrumented copy of the Shoal.Fuzz build for all fuzz smoke tests (fuzz/run.sh --prepare into a temp folder),
/// made from the output this test project's build already produced (the project references fuzz/Shoal.Fuzz).
/// </summary>
public sealed class FuzzWorkspace : IDisposable
{
    private readonly Lock _gate = new();
    private bool _prepared;

    public FuzzWorkspace()
    {
        RepositoryRoot = FindRepositoryRoot();
    }

    public string RepositoryRoot { get; }

    public string RunScript => Path.Combine(RepositoryRoot, "fuzz", "run.sh");

    public TempDirectory Work { get; } = new("fuzz");

    /// <summary>Fuzzes <paramref name="target"/> for <paramref name="seconds"/> (fuzz/run.sh); stops at the first finding.</summary>
    public ProcessRunner.Result Fuzz(string target, int seconds)
    {
        EnsurePrepared();
        return ProcessRunner.Run("bash", [RunScript, target, seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            timeout: TimeSpan.FromSeconds(seconds + 120), workingDirectory: RepositoryRoot,
            environment: Environment(("SHOAL_FUZZ_PREPARED", "1"), ("SHOAL_FUZZ_STOP_ON_CRASH", "1")));
    }

    public void Dispose() => Work.Dispose();

    private void EnsurePrepared()
    {
        lock (_gate)
        {
            if (_prepared) return;
            ProcessRunner.Run("bash", [RunScript, "--prepare"], timeout: TimeSpan.FromMinutes(5), workingDirectory: RepositoryRoot,
                environment: Environment(("SHOAL_FUZZ_BIN", BuiltFuzzer()))).EnsureSuccess("fuzz/run.sh --prepare");
            _prepared = true;
        }
    }

    private Dictionary<string, string> Environment(params (string Key, string Value)[] extra)
    {
        var environment = new Dictionary<string, string> { ["SHOAL_FUZZ_WORK"] = Work.Path };
        foreach (var (key, value) in extra) environment[key] = value;
        return environment;
    }

    /// <summary>fuzz/Shoal.Fuzz's output for this test assembly's configuration (built first: it is a project reference).</summary>
    private string BuiltFuzzer()
    {
        var configuration = typeof(FuzzWorkspace).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var output = Path.Combine(RepositoryRoot, "fuzz", "Shoal.Fuzz", "bin", configuration, "net10.0");
        return File.Exists(Path.Combine(output, "Shoal.Fuzz.dll"))
            ? output
            : throw new FileNotFoundException($"fuzz/Shoal.Fuzz is not built in {output}; build Shoal.slnx first", output);
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Shoal.slnx")) && File.Exists(Path.Combine(dir.FullName, "fuzz", "run.sh"))) return dir.FullName;
        throw new DirectoryNotFoundException($"no Shoal.slnx with fuzz/run.sh above {AppContext.BaseDirectory}");
    }
}
