namespace Shoal.Cli.Output;

/// <summary>
/// Text from untrusted sources (names and comments inside .torrent files, magnet links) made safe to print:
/// control characters, escape sequences among them, could otherwise rewrite the user's terminal.
/// </summary>
public static class TerminalText
{
    public static string Safe(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        if (!text.Any(IsUnsafe)) return text;
        return string.Create(text.Length, text, static (span, source) =>
        {
            for (int i = 0; i < source.Length; i++) span[i] = IsUnsafe(source[i]) ? '?' : source[i];
        });
    }

    // C0/C1 controls, plus the bidirectional overrides that can make a name read differently from what it is.
    private static bool IsUnsafe(char c) => char.IsControl(c) || c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069';
}
