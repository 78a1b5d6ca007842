using System.CommandLine;
using System.Globalization;
using Shoal.Cli.Commands.Remote;
using Shoal.Cli.Output;
using Shoal.Metainfo;
using Shoal.Storage;

namespace Shoal.Cli.Commands;

/// <summary>
/// <c>shoal info FILE.torrent|MAGNET|ID [--json]</c>: shows what a torrent or magnet link describes. An argument that is
/// not an existing file but a number or an info-hash names a torrent of the running daemon, which is asked instead.
/// </summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var source = new Argument<string>("source") { Description = "A .torrent file, a magnet link (quote it in the shell), or a daemon torrent's id or info-hash" };
        var json = new Option<bool>("--json") { Description = "Print machine-readable JSON instead of text" };
        var url = RemoteOptions.Url();
        var command = new Command("info", "Show what a .torrent file or magnet link describes, or a torrent of the daemon (by id or info-hash)") { source, json, url };
        command.SetAction(async (parse, ct) =>
        {
            var text = parse.GetValue(source)!;
            bool asJson = parse.GetValue(json);
            var output = Console.Out;
            if (!File.Exists(text) && !Directory.Exists(text) && RemoteOptions.IsTorrentId(text))
            {
                using var client = RemoteOptions.Connect(parse, url);
                try
                {
                    return await RemoteInfo.ShowAsync(client, text, asJson, ct);
                }
                catch (Daemon.Remote.RpcUnreachableException)
                {
                    string magnet = InfoHash.TryParse(text, out _) ? $"; for a magnet link, pass magnet:?xt=urn:btih:{text}" : "";
                    throw new UserErrorException($"'{text}' is not a file, and no daemon answers at {client.Url} to look it up (start one with: shoal daemon){magnet}",
                        ExitCodes.NetworkError);
                }
            }
            if (text.TrimStart().StartsWith("magnet:", StringComparison.OrdinalIgnoreCase))
            {
                var link = MagnetLink.Parse(text);
                if (asJson) InfoJson.Write(Console.OpenStandardOutput(), link);
                else WriteMagnet(output, link);
            }
            else
            {
                var torrent = Load(text);
                if (asJson) InfoJson.Write(Console.OpenStandardOutput(), torrent);
                else WriteTorrent(output, torrent);
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private static Torrent Load(string path)
    {
        if (!File.Exists(path))
        {
            if (Directory.Exists(path)) throw new UserErrorException($"{path} is a folder, not a .torrent file");
            if (path.Length == 64 && InfoHashV2.TryParse(path, out _))
                throw new UserErrorException($"'{path}' looks like a v2 info-hash: pass it as magnet:?xt=urn:btmh:{InfoHashV2.MultihashPrefix}{path}");
            throw new UserErrorException($"no such file: {path}");
        }
        return Torrent.Load(path);
    }

    private static void WriteTorrent(TextWriter output, Torrent torrent)
    {
        var info = torrent.Info;
        int fileCount = info.Files.Count(f => !f.IsPadding);
        long size = info.DataLength; // padding is zeros no one stores
        Field(output, "name", TerminalText.Safe(info.Name));
        WriteHashes(output, info.InfoHashes);
        Field(output, "format", Format(info.InfoHashes));
        Field(output, "size", $"{ByteSize.Format(size)} ({ByteSize.Exact(size)} bytes) in {fileCount:N0} file{(fileCount == 1 ? "" : "s")}");
        Field(output, "pieces", $"{info.PieceCount:N0} × {ByteSize.Format(info.PieceLength)}");
        Field(output, "private", info.IsPrivate ? "yes" : "no");
        if (info.HasV2)
        {
            int missing = torrent.PieceLayers?.MissingFiles ?? Enumerable.Range(0, info.Files.Count).Count(i => PieceLayers.Needs(info, i));
            Field(output, "layers", missing == 0 ? "complete (every piece hash is in the .torrent)" : $"missing for {missing:N0} file{(missing == 1 ? "" : "s")} (fetched from peers)");
        }
        if (torrent.AnnounceTiers.Count == 0) Field(output, "trackers", "none");
        for (int i = 0; i < torrent.AnnounceTiers.Count; i++)
        {
            var urls = string.Join(", ", torrent.AnnounceTiers[i].Select(TerminalText.Safe));
            Field(output, i == 0 ? "trackers" : "", torrent.AnnounceTiers.Count == 1 ? urls : $"tier {i + 1}: {urls}");
        }
        foreach (var (seed, i) in torrent.WebSeeds.Select((s, i) => (s, i))) Field(output, i == 0 ? "web seeds" : "", TerminalText.Safe(seed));
        if (torrent.CreatedBy is { } createdBy) Field(output, "created by", TerminalText.Safe(createdBy));
        if (torrent.CreationDate is { } date) Field(output, "created on", date.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture));
        if (torrent.Comment is { } comment) Field(output, "comment", TerminalText.Safe(comment));
        Field(output, "magnet", MagnetLink.FromTorrent(torrent).ToString());
        output.WriteLine();
        FileTreeWriter.Write(output, info);
    }

    /// <summary>One line per hash; a v2 hash also names the truncated form trackers and peers see.</summary>
    private static void WriteHashes(TextWriter output, InfoHashes hashes)
    {
        if (hashes.V1 is { } v1) Field(output, "info-hash", hashes.IsHybrid ? $"{v1.ToHex()} (v1)" : v1.ToHex());
        if (hashes.V2 is { } v2) Field(output, hashes.HasV1 ? "" : "info-hash", $"{v2.ToHex()} (v2; trackers and peers see {v2.Truncated.ToHex()})");
    }

    internal static string Format(InfoHashes hashes) => hashes.IsHybrid ? "hybrid (v1 + v2)" : hashes.HasV2 ? "v2 (BEP 52)" : "v1";

    private static void WriteMagnet(TextWriter output, MagnetLink link)
    {
        WriteHashes(output, link.InfoHashes);
        Field(output, "name", link.DisplayName is null ? "(not given)" : TerminalText.Safe(link.DisplayName));
        Field(output, "size", link.ExactLength is { } length ? $"{ByteSize.Format(length)} ({ByteSize.Exact(length)} bytes)" : "(not given)");
        if (link.Trackers.Count == 0) Field(output, "trackers", "none");
        foreach (var (tracker, i) in link.Trackers.Select((t, i) => (t, i))) Field(output, i == 0 ? "trackers" : "", TerminalText.Safe(tracker));
        foreach (var (peer, i) in link.Peers.Select((p, i) => (p, i))) Field(output, i == 0 ? "peers" : "", TerminalText.Safe(MagnetLink.FormatPeer(peer)));
        foreach (var (seed, i) in link.WebSeeds.Select((s, i) => (s, i))) Field(output, i == 0 ? "web seeds" : "", TerminalText.Safe(seed));
        Field(output, "magnet", link.ToString());
        output.WriteLine("(the file list and piece hashes come from peers once a download starts)");
    }

    private static void Field(TextWriter output, string label, string value) => output.WriteLine($"{label,-11} {value}");
}
