namespace Shoal.Tests.Support.Reference;

/// <summary>Byte-for-byte comparison of a downloaded file or folder with the original.</summary>
public static class ContentComparison
{
    /// <summary>Null when <paramref name="actual"/> (file or folder) is identical to <paramref name="expected"/>,
    /// otherwise a description of the first differences.</summary>
    public static string? Differences(string expected, string actual)
    {
        if (File.Exists(expected)) return CompareFiles(expected, actual);
        if (!Directory.Exists(expected)) return $"expected path {expected} does not exist";
        if (!Directory.Exists(actual)) return $"folder {actual} is missing";
        var want = RelativeFiles(expected);
        var have = RelativeFiles(actual);
        var problems = new List<string>();
        problems.AddRange(want.Except(have).Select(f => $"missing {f}"));
        problems.AddRange(have.Except(want).Select(f => $"unexpected {f}"));
        foreach (var file in want.Intersect(have))
            if (CompareFiles(Path.Combine(expected, file), Path.Combine(actual, file)) is { } difference) problems.Add(difference);
        return problems.Count == 0 ? null : string.Join("; ", problems.Take(10));
    }

    private static SortedSet<string> RelativeFiles(string root) =>
        new(Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f)), StringComparer.Ordinal);

    private static string? CompareFiles(string expected, string actual)
    {
        if (!File.Exists(actual)) return $"file {actual} is missing";
        long expectedLength = new FileInfo(expected).Length, actualLength = new FileInfo(actual).Length;
        if (expectedLength != actualLength) return $"{actual} has {actualLength} bytes, expected {expectedLength}";
        const int chunk = 1 << 20;
        var a = new byte[chunk];
        var b = new byte[chunk];
        using var fa = File.OpenRead(expected);
        using var fb = File.OpenRead(actual);
        for (long offset = 0; offset < expectedLength; offset += chunk)
        {
            int n = (int)Math.Min(chunk, expectedLength - offset);
            fa.ReadExactly(a, 0, n);
            fb.ReadExactly(b, 0, n);
            int mismatch = a.AsSpan(0, n).CommonPrefixLength(b.AsSpan(0, n));
            if (mismatch < n) return $"{actual} differs from {expected} at byte {offset + mismatch}";
        }
        return null;
    }
}
