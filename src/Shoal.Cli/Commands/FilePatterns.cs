using System.IO.Enumeration;
using Shoal.Cli.Output;
using Shoal.Metainfo;

namespace Shoal.Cli.Commands;

/// <summary><c>--only PATTERN</c> (of <c>shoal get</c> and <c>shoal add</c>): which files of a torrent the user wants.</summary>
internal static class FilePatterns
{
    /// <summary>
    /// One flag per file: whether some pattern ('*' and '?') matches its path inside the torrent, with or without the
    /// torrent's folder. Padding files are never wanted. No match at all is the user's mistake: one clear line.
    /// </summary>
    public static bool[] Wanted(TorrentInfo info, string[] patterns)
    {
        var wanted = new bool[info.Files.Count];
        for (int i = 0; i < wanted.Length; i++)
        {
            var file = info.Files[i];
            string inner = file.Path, full = info.IsMultiFile ? info.Name + "/" + file.Path : info.Name;
            wanted[i] = !file.IsPadding && patterns.Any(p => FileSystemName.MatchesSimpleExpression(p, inner) || FileSystemName.MatchesSimpleExpression(p, full));
        }
        if (!wanted.Contains(true))
            throw new UserErrorException($"--only {string.Join(' ', patterns)}: no file of {TerminalText.Safe(info.Name)} matches (see: shoal info FILE.torrent)");
        return wanted;
    }
}
