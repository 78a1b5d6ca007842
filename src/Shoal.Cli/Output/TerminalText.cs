using Shoal.Metainfo;

namespace Shoal.Cli.Output;

/// <summary>
/// Text from untrusted sources (names and comments inside .torrent files, magnet links, error messages carrying them)
/// made safe to print: the CLI's name for the library's single filter, <see cref="PrintableText"/>.
/// </summary>
public static class TerminalText
{
    public static string Safe(string? text) => PrintableText.Of(text);
}
