namespace Shoal.Tests.Support;

/// <summary>
/// Gatekeeper for tests that need a program installed by scripts/install-reference-programs.sh.
/// Without the program a test reports itself skipped; under CI (CI=true) a missing program fails it,
/// so a broken install step can never turn into a silently green run.
/// </summary>
public static class ReferencePrograms
{
    public const string DebianPython = Reference.ReferenceExecutables.DebianPython;

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Returns the program's full path, or skips/fails the test.</summary>
    public static string Require(string program)
    {
        var path = Find(program);
        if (path is not null) return path;
        Unavailable($"'{program}' is not installed (run scripts/install-reference-programs.sh)");
        return null!;
    }

    /// <summary>Skips/fails unless Debian's python3 can import libtorrent.</summary>
    public static string RequireLibtorrent()
    {
        if (!File.Exists(DebianPython) || !ProcessRunner.Succeeds(DebianPython, "-c \"import libtorrent\""))
            Unavailable("python3-libtorrent is not installed (run scripts/install-reference-programs.sh)");
        return DebianPython;
    }

    public static string? Find(string program) => Reference.ReferenceExecutables.Find(program);

    /// <summary>Skips the test outside CI; fails it in CI.</summary>
    public static void Unavailable(string why)
    {
        if (IsCi) Assert.Fail($"{why} — required when CI=true");
        Assert.Skip(why);
    }
}
