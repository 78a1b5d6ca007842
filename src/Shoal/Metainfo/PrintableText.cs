namespace Shoal.Metainfo;

/// <summary>
/// The one filter for text from untrusted sources (names and comments in .torrent files, magnet links, peers' client
/// names) before it reaches a terminal, a log or an error message: control characters (escape sequences start with
/// them), bidirectional-text controls (they make a name read differently from what it is) and line breaks (an error
/// stays one line) each become '?'. The CLI's <c>TerminalText</c> and the library's own messages both use it.
/// </summary>
public static class PrintableText
{
    public static string Of(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        if (!text.AsSpan().ContainsAny(Unsafe)) return text;
        return string.Create(text.Length, text, static (span, source) =>
        {
            for (int i = 0; i < source.Length; i++) span[i] = Unsafe.Contains(source[i]) ? '?' : source[i];
        });
    }

    public static bool IsUnsafe(char c) => Unsafe.Contains(c);

    // C0 controls and DEL, C1 controls, the Arabic letter mark, LRM/RLM, the line and paragraph separators, the bidi
    // embeddings and overrides (U+202A–U+202E) and isolates (U+2066–U+2069).
    private static readonly System.Buffers.SearchValues<char> Unsafe = System.Buffers.SearchValues.Create(
        [.. Range('\u0000', '\u001f'), .. Range('\u007f', '\u009f'), '\u061c', '\u200e', '\u200f', '\u2028', '\u2029',
         .. Range('\u202a', '\u202e'), .. Range('\u2066', '\u2069')]);

    private static IEnumerable<char> Range(char first, char last)
    {
        for (char c = first; c <= last; c++) yield return c;
    }
}
