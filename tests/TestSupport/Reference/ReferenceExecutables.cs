namespace Shoal.Tests.Support.Reference;

/// <summary>Locates the reference programs (installed by scripts/install-reference-programs.sh). No test-framework
/// calls here, so benchmarks can use it; tests call ReferencePrograms.Require first to skip when one is missing.</summary>
public static class ReferenceExecutables
{
    /// <summary>Debian's interpreter: an earlier python3 on PATH may lack the libtorrent module.</summary>
    public const string DebianPython = "/usr/bin/python3";

    public static string? Find(string program)
    {
        if (Path.IsPathRooted(program)) return File.Exists(program) ? program : null;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, program);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    public static string Resolve(string program) =>
        Find(program) ?? throw new FileNotFoundException(
            $"'{program}' is not installed (run scripts/install-reference-programs.sh)", program);

    /// <summary>The libtorrent driver script, copied next to the assembly by the project file.</summary>
    public static string LibtorrentScript => Script("lt_peer.py");

    /// <summary>The libtorrent DHT-node script (lt_dht.py), copied next to the assembly like lt_peer.py.</summary>
    public static string LibtorrentDhtScript => Script("lt_dht.py");

    private static string Script(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Reference", name);
        return File.Exists(path) ? path : throw new FileNotFoundException(
            $"{name} is not next to the assembly; the project must copy tests/TestSupport/Reference/{name} to Reference/", path);
    }
}
