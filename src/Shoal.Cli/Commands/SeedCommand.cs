using System.CommandLine;
using Shoal.Cli.Output;
using Shoal.Client;
using Shoal.Metainfo;
using Shoal.Storage;

namespace Shoal.Cli.Commands;

/// <summary><c>shoal seed PATH</c>: shares a file or folder (making its .torrent on the fly unless one is given) until Ctrl+C.</summary>
internal static class SeedCommand
{
    public const int DefaultPort = 8001;

    public static Command Create()
    {
        var path = new Argument<string>("path") { Description = "The file or folder to share" };
        var torrentFile = new Option<string?>("--torrent") { Description = "Seed with this .torrent instead of making one", HelpName = "file" };
        var output = new Option<string?>("--output", "-o") { Description = "Where to write the .torrent made for PATH (default: NAME.torrent here)", HelpName = "file" };
        var pieceSize = new Option<string?>("--piece-size") { Description = "Bytes per piece for a new torrent (default: automatic)", HelpName = "bytes" };
        var isPrivate = new Option<bool>("--private") { Description = "Make a private torrent (BEP 27)" };
        var noLsd = new Option<bool>("--no-lsd") { Description = "Do not announce on the local network (BEP 14 multicast)" };
        var peers = new PeerOptions(DefaultPort);
        var publishing = new CataloguePublisher.Options();
        var command = new Command("seed", "Share a file or folder: makes the .torrent, prints the magnet link, seeds until Ctrl+C")
        {
            path, torrentFile, output, pieceSize, isPrivate, noLsd,
        };
        foreach (var option in peers.All) command.Options.Add(option);
        foreach (var option in publishing.All) command.Options.Add(option);
        var dht = new DhtFlags();
        dht.AddTo(command);

        command.SetAction(async (parse, ct) =>
        {
            publishing.Validate(parse, peers.TrackerTiers(parse).Count > 0 || parse.GetValue(torrentFile) is not null);
            string data = Path.GetFullPath(parse.GetValue(path)!).TrimEnd(Path.DirectorySeparatorChar);
            if (!File.Exists(data) && !Directory.Exists(data)) throw new UserErrorException($"no such file or folder: {data}");
            var mode = peers.Display(parse);
            Torrent torrent;
            string torrentPath;
            if (parse.GetValue(torrentFile) is { } given)
            {
                torrent = TorrentSources.LoadTorrentFile(given);
                torrentPath = Path.GetFullPath(given);
                if (torrent.Info.Name != Path.GetFileName(data))
                    throw new UserErrorException($"{given} describes '{torrent.Info.Name}', but {data} is named '{Path.GetFileName(data)}'");
            }
            else
            {
                (torrent, torrentPath) = await MakeTorrentAsync(parse, data, output, pieceSize, isPrivate, peers, mode, ct);
            }

            // Before any network: a layer-less v2 .torrent's layers come from the data (or it is not this data).
            await TorrentSources.CompletePieceLayersAsync(torrent.Info, Path.GetDirectoryName(data)!, StorageOptions.Default with { FollowLinks = true }, ct);
            var tiers = TorrentSources.MergeTiers(torrent.AnnounceTiers, peers.TrackerTiers(parse));
            await using var client = await peers.StartClientAsync(parse, o => dht.Apply(parse, o with
            {
                // The content is the user's own, and its torrent was made by following its links: so is it read.
                Storage = o.Storage with { ResumeDirectory = ResumeDirectory(), FollowLinks = true },
                EnableLsd = LocalDiscovery.Wanted(parse.GetValue(noLsd), o),
            }));
            var managed = await client.AddAsync(torrent.Info, tiers, Path.GetDirectoryName(data)!, null, ct);
            managed.AddPeers(peers.PeerEndPoints(parse));
            await using var publisher = await publishing.StartAsync(parse, torrent, peers.TrackerTiers(parse), ct);
            var status = managed.Status;
            if (mode == DisplayMode.Live)
            {
                Console.Out.WriteLine($"Seeding {TerminalText.Safe(torrent.Info.Name)} ({ByteSize.Format(torrent.Info.DataLength)}) on port {client.ListenPort}");
                Console.Out.WriteLine($"  magnet   {MagnetLink.FromTorrent(torrent)}");
                Console.Out.WriteLine($"  torrent  {torrentPath}");
                foreach (var url in tiers.SelectMany(t => t)) Console.Out.WriteLine($"  tracker  {TerminalText.Safe(url)}");
                if (tiers.Count == 0) Console.Out.WriteLine($"  note     no tracker: leechers need --peer <this machine's address>:{client.ListenPort}");
                foreach (var line in publisher?.Summary ?? []) Console.Out.WriteLine(line);
                if (PieceSummary.Of(managed) is { Resumed: > 0 } counts)
                    Console.Out.WriteLine($"  resumed  {counts.Resumed:N0} of {status.PieceCount:N0} pieces on the last run's word: each is hashed before its first upload (--recheck: all now)");
                if (status.PiecesVerified < status.PieceCount)
                    Console.Out.WriteLine($"  warning  only {status.PiecesVerified:N0} of {status.PieceCount:N0} pieces are on disk intact; the rest will be downloaded");
                Console.Out.WriteLine("Press Ctrl+C to stop.");
            }
            else if (mode == DisplayMode.Quiet)
            {
                // What --publish achieved is a result the user asked for, not progress: shown even when quiet.
                foreach (var line in publisher?.Summary ?? []) Console.Out.WriteLine(line);
            }
            await TransferDisplay.RunAsync(managed, mode, Task.Delay(Timeout.Infinite, ct), ct);
            await managed.StopAsync();
            if (managed.Completion.IsFaulted)
            {
                var (code, message) = CommandRunner.Describe(managed.Completion.Exception!.InnerException!);
                CommandRunner.WriteError(message);
                return code;
            }
            if (mode == DisplayMode.Live) Console.Out.WriteLine($"stopped; uploaded {ByteSize.Format(managed.Status.Uploaded)}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task<(Torrent, string)> MakeTorrentAsync(ParseResult parse, string data, Option<string?> output,
        Option<string?> pieceSize, Option<bool> isPrivate, PeerOptions peers, DisplayMode mode, CancellationToken ct)
    {
        var builder = new TorrentBuilder { IsPrivate = parse.GetValue(isPrivate), PieceLength = CreateCommand.ParsePieceSize(parse.GetValue(pieceSize)) };
        foreach (var tier in peers.TrackerTiers(parse)) builder.AnnounceTiers.Add(tier);
        var content = TorrentContent.Scan(data);
        if (content.TotalLength == 0) throw new UserErrorException($"'{data}' holds no data: every file is empty");
        bool explicitOutput = parse.GetValue(output) is not null;
        string target = Path.GetFullPath(parse.GetValue(output) ?? content.Name + ".torrent");
        var torrent = mode == DisplayMode.Live
            ? await HashingProgress.RunAsync($"{TerminalText.Safe(content.Name)} ({ByteSize.Format(content.TotalLength)})",
                content.TotalLength, progress => builder.BuildAsync(content, progress, ct))
            : await builder.BuildAsync(content, null, ct);
        if (!explicitOutput && File.Exists(target) && !SameTorrent(target, torrent))
            throw new UserErrorException($"{target} already exists and describes other data; choose where to write the new one with -o");
        torrent.Save(target);
        return (torrent, target);
    }

    private static bool SameTorrent(string path, Torrent torrent)
    {
        try { return Torrent.Load(path).InfoHash == torrent.InfoHash; }
        catch (Exception ex) when (ex is InvalidTorrentException or IOException) { return false; }
    }

    /// <summary>Resume records of seeded data live in the user's cache, not beside their files.</summary>
    private static string ResumeDirectory()
    {
        string cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(cache, "shoal", "resume");
    }
}
