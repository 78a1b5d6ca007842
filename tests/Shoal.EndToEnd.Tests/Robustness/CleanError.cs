namespace Shoal.EndToEnd.Tests.Robustness;

/// <summary>What every failing `shoal` command must look like: one line on stderr, no stack trace, the documented exit code.</summary>
internal static class CleanError
{
    /// <summary>Asserts the exit code and that stderr is exactly one `shoal: …` line; returns that line.</summary>
    public static string AssertOneLine(int expectedCode, int exitCode, IEnumerable<string> stderr, string context)
    {
        var lines = stderr.Where(l => l.Trim().Length > 0).ToList();
        string all = string.Join("\n", lines);
        Assert.False(lines.Any(l => l.StartsWith("   at ", StringComparison.Ordinal)), $"stack trace on stderr:\n{all}\n{context}");
        Assert.True(expectedCode == exitCode, $"exit code {exitCode}, expected {expectedCode}; stderr:\n{all}\n{context}");
        Assert.True(lines.Count == 1, $"expected one line on stderr, got {lines.Count}:\n{all}\n{context}");
        Assert.StartsWith("shoal: ", lines[0]);
        return lines[0];
    }

    public static IEnumerable<string> Lines(string text) => text.Split('\n').Select(l => l.TrimEnd('\r'));
}
