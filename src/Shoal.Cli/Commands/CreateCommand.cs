using System.CommandLine;
using Shoal.Cli.Output;
using Shoal.Metainfo;
using Shoal.Storage;
using Spectre.Console;

namespace Shoal.Cli.Commands;

/// <summary><c>shoal create PATH --tracker URL …</c>: hashes a file or folder into a .torrent (mktorrent-compatible info-hash).</summary>
internal static class CreateCommand
{
    public static Command Create()
    {
        var path = new Argument<string>("path") { Description = "The file or folder to share" };
        var trackers = new Option<string[]>("--tracker", "-t")
        {
            Description = "Tracker announce URL; repeat for backup trackers (one tier each), or join URLs of one tier with commas",
            HelpName = "url",
        };
        var pieceSize = new Option<string?>("--piece-size")
        {
            Description = "Bytes per piece, a power of two from 16K to 256M (e.g. 262144, 256K, 4M); by default chosen for 1,000-2,000 pieces, 16K-16M",
            HelpName = "bytes",
        };
        var isPrivate = new Option<bool>("--private", "-p") { Description = "Mark the torrent private (BEP 27): peers only from its trackers" };
        var comment = new Option<string?>("--comment", "-c") { Description = "A comment stored in the .torrent" };
        var webSeeds = new Option<string[]>("--web-seed", "-w") { Description = "HTTP URL serving the same content (BEP 19); repeatable", HelpName = "url" };
        var output = new Option<string?>("--output", "-o") { Description = "Where to write the .torrent (default: NAME.torrent here)", HelpName = "file" };
        var noDate = new Option<bool>("--no-date", "-d") { Description = "Leave out the creation date, so the same input gives a byte-identical file" };
        var force = new Option<bool>("--force", "-f") { Description = "Overwrite the output file if it exists" };
        var threads = new Option<int?>("--threads") { Description = "Hashing threads (default: one more than the number of cores)", HelpName = "n" };

        var command = new Command("create", "Create a .torrent from a file or folder")
        {
            path, trackers, pieceSize, isPrivate, comment, webSeeds, output, noDate, force, threads,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var builder = new TorrentBuilder
            {
                Comment = parse.GetValue(comment),
                IsPrivate = parse.GetValue(isPrivate),
                IncludeCreationDate = !parse.GetValue(noDate),
                PieceLength = ParsePieceSize(parse.GetValue(pieceSize)),
            };
            if (parse.GetValue(threads) is { } n)
                builder.Workers = n is >= 1 and <= 256 ? n : throw new UserErrorException($"--threads must be between 1 and 256, not {n}");
            foreach (var tier in parse.GetValue(trackers) ?? []) builder.AnnounceTiers.Add(ParseTier(tier));
            foreach (var seed in parse.GetValue(webSeeds) ?? []) builder.WebSeeds.Add(CheckUrl(seed, "web seed", ["http", "https"]));

            var source = parse.GetValue(path)!;
            var content = Scan(source);
            var target = Path.GetFullPath(parse.GetValue(output) ?? content.Name + ".torrent");
            if (Directory.Exists(target)) target = Path.Combine(target, content.Name + ".torrent");
            if (File.Exists(target) && !parse.GetValue(force))
                throw new UserErrorException($"{target} already exists (use --force to overwrite it)");
            if (!Directory.Exists(Path.GetDirectoryName(target)))
                throw new UserErrorException($"cannot write {target}: the folder {Path.GetDirectoryName(target)} does not exist");

            int pieceLength = builder.PieceLength ?? TorrentBuilder.ChoosePieceLength(content.TotalLength);
            builder.PieceLength = pieceLength;
            if (content.TotalLength == 0) throw new UserErrorException($"'{source}' holds no data: every file is empty");
            long pieces = (content.TotalLength - 1) / pieceLength + 1;
            string summary = $"{TerminalText.Safe(content.Name)}: {content.Files.Count:N0} file{(content.Files.Count == 1 ? "" : "s")}, " +
                $"{ByteSize.Format(content.TotalLength)} in {pieces:N0} pieces of {ByteSize.Format(pieceLength)}";

            var torrent = await HashingProgress.RunAsync(summary, content.TotalLength,
                progress => builder.BuildAsync(content, progress, cancellationToken));
            torrent.Save(target);

            var console = Console.Out;
            console.WriteLine($"Created {target}");
            console.WriteLine($"  info-hash  {torrent.InfoHash}");
            console.WriteLine($"  magnet     {MagnetLink.FromTorrent(torrent)}");
            if (torrent.AnnounceTiers.Count == 0)
                console.WriteLine("  note       no --tracker given: peers must find each other another way (DHT, LSD, or by address)");
            return ExitCodes.Success;
        });
        return command;
    }

    private static TorrentContent Scan(string source)
    {
        try
        {
            return TorrentContent.Scan(source);
        }
        catch (FileNotFoundException)
        {
            throw new UserErrorException($"no such file or folder: {source}");
        }
        catch (IOException ex)
        {
            throw new UserErrorException(ex.Message);
        }
    }

    internal static int? ParsePieceSize(string? text)
    {
        if (text is null) return null;
        if (!ByteSize.TryParse(text, out long bytes))
            throw new UserErrorException($"--piece-size '{text}' is not a size (examples: 262144, 256K, 4M)");
        if (bytes < TorrentInfo.MinPieceLength || bytes > TorrentInfo.MaxPieceLength || (bytes & (bytes - 1)) != 0)
            throw new UserErrorException($"--piece-size must be a power of two from 16K to 256M, not {text}");
        return (int)bytes;
    }

    /// <summary>One --tracker value: a URL, or several separated by commas that form one tier (as mktorrent's -a).</summary>
    internal static IReadOnlyList<string> ParseTier(string value)
    {
        var urls = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (urls.Length == 0) throw new UserErrorException("--tracker needs a URL");
        return urls.Select(u => CheckUrl(u, "tracker", ["http", "https", "udp"])).ToArray();
    }

    private static string CheckUrl(string url, string what, string[] schemes)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !schemes.Contains(uri.Scheme))
            throw new UserErrorException($"'{url}' is not a {what} URL (expected {string.Join(", ", schemes.Select(s => s + "://"))})");
        return url;
    }
}
