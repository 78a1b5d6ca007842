using System.CommandLine;
using System.Text.Json.Nodes;
using Shoal.Cli.Output;
using Shoal.Daemon.Torrents;
using Shoal.Metainfo;

namespace Shoal.Cli.Commands.Remote;

/// <summary><c>shoal add SOURCE…</c>: hands .torrent files, magnet links or .torrent URLs to the daemon.</summary>
internal static class AddCommand
{
    public static Command Create()
    {
        var sources = new Argument<string[]>("source") { Description = "A .torrent file, a magnet link (quote it) or an http(s) URL of a .torrent", Arity = ArgumentArity.OneOrMore };
        var paused = new Option<bool>("--paused") { Description = "Add without starting" };
        var only = new Option<string[]>("--only") { Description = "Want only the files whose path matches this pattern ('*' and '?'; repeatable)", HelpName = "pattern" };
        var downloadDir = new Option<string?>("--download-dir", "-o") { Description = "Folder to download into (default: the daemon's download folder)", HelpName = "dir" };
        var labels = new Option<string[]>("--label") { Description = "Label the torrent (repeatable)", HelpName = "label" };
        var url = RemoteOptions.Url();
        var command = new Command("add", "Add torrents to the running daemon (shoal daemon)") { sources, paused, only, downloadDir, labels, url };
        command.SetAction(async (parse, ct) =>
        {
            using var client = RemoteOptions.Connect(parse, url);
            var patterns = parse.GetValue(only) ?? [];
            foreach (var source in parse.GetValue(sources)!)
            {
                var args = new JsonObject();
                if (TorrentSources.IsMagnet(source))
                {
                    if (patterns.Length > 0)
                        throw new UserErrorException("--only needs the file list, which a magnet link does not carry: add it, then choose with: shoal files ID --skip …");
                    args["filename"] = source;
                }
                else if (Uri.TryCreate(source, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
                {
                    if (patterns.Length > 0) throw new UserErrorException("--only needs the file list: download the .torrent first, or choose later with shoal files ID");
                    args["filename"] = source;
                }
                else
                {
                    var torrent = TorrentSources.LoadTorrentFile(source);
                    args["metainfo"] = Convert.ToBase64String(File.ReadAllBytes(source));
                    if (patterns.Length > 0) args["files-unwanted"] = Unwanted(torrent.Info, patterns);
                }
                if (parse.GetValue(paused)) args["paused"] = true;
                if (parse.GetValue(downloadDir) is { } dir) args["download-dir"] = Path.GetFullPath(dir);
                if (parse.GetValue(labels) is { Length: > 0 } given) args["labels"] = new JsonArray([.. given.Select(l => (JsonNode)l)]);
                var answer = await client.CallAsync("torrent-add", args, ct);
                bool duplicate = answer.TryGetProperty("torrent-duplicate", out var added);
                if (!duplicate) added = answer.GetProperty("torrent-added");
                Console.Out.WriteLine($"{(duplicate ? "already there" : "added")}: {added.GetProperty("id").GetInt32()} " +
                    $"{TerminalText.Safe(added.GetProperty("name").GetString())} ({added.GetProperty("hashString").GetString()})");
            }
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>RPC indices (real files only, as the daemon numbers them) of the files no pattern matches.</summary>
    private static JsonArray Unwanted(TorrentInfo info, string[] patterns)
    {
        bool[] wanted = FilePatterns.Wanted(info, patterns);
        return new([.. FileIndexMap.Of(info).InternalIndices.Select((file, rpc) => (file, rpc)).Where(f => !wanted[f.file]).Select(f => (JsonNode)f.rpc)]);
    }
}
