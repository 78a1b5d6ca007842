using System.CommandLine;
using Shoal.Cli.Output;
using Shoal.Client;
using Shoal.Metainfo;
using Shoal.Storage;
using Shoal.Swarm;

namespace Shoal.Cli.Commands;

/// <summary><c>shoal get FILE.torrent|MAGNET</c>: downloads, verifying every piece; exit 0 only when all verified.</summary>
internal static class GetCommand
{
    public const int DefaultPort = 8002;

    public static Command Create()
    {
        var source = new Argument<string?>("source")
        {
            Description = "A .torrent file or a magnet: link; with --tracker, a name (or info-hash prefix) from the tracker's catalogue. " +
                "Without it: list the catalogue",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var output = new Option<string?>("--output", "-o") { Description = "Folder to download into (default: the current folder)", HelpName = "dir" };
        var seed = new Option<bool>("--seed") { Description = "Keep seeding after the download completes, until Ctrl+C" };
        var idle = new Option<int>("--idle-timeout")
        {
            Description = "Give up (exit 4) when no peer is connected and nothing verified for this many seconds (0 = wait forever)",
            DefaultValueFactory = _ => 60,
            HelpName = "seconds",
        };
        var peers = new PeerOptions(DefaultPort);
        var command = new Command("get", "Download a torrent (every piece is SHA-1 verified before it is written)") { source, output, seed, idle };
        foreach (var option in peers.All) command.Options.Add(option);

        var saveTorrent = new Option<string?>("--save-torrent") { Description = "Also save the .torrent (e.g. of a magnet link, once its metadata arrived)", HelpName = "file" };
        var noLsd = new Option<bool>("--no-lsd") { Description = "Do not look for peers on the local network (BEP 14 multicast)" };
        var only = new Option<string[]>("--only")
        {
            Description = "Get only the files whose path matches this pattern ('*' and '?'; repeatable); the others are never written",
            HelpName = "pattern",
        };
        var sequential = new Option<bool>("--sequential") { Description = "Download pieces in order (to watch or play while it downloads)" };
        var noWebSeeds = new Option<bool>("--no-web-seeds") { Description = "Do not download from the torrent's web seeds (BEP 19 url-list), only from peers" };
        command.Options.Add(saveTorrent);
        command.Options.Add(noLsd);
        command.Options.Add(only);
        command.Options.Add(sequential);
        command.Options.Add(noWebSeeds);
        var dht = new DhtFlags();
        dht.AddTo(command);

        command.SetAction(async (parse, ct) =>
        {
            string? what = parse.GetValue(source);
            var mode = peers.Display(parse);
            int idleSeconds = parse.GetValue(idle);
            if (idleSeconds < 0) throw new UserErrorException("--idle-timeout must not be negative");
            string directory = Path.GetFullPath(parse.GetValue(output) ?? ".");
            var extraTiers = peers.TrackerTiers(parse);
            var manualPeers = peers.PeerEndPoints(parse);
            var patterns = parse.GetValue(only) ?? [];
            bool inOrder = parse.GetValue(sequential);
            MagnetLink? magnet = null;
            Torrent? torrent = null;
            if (what is not null && TorrentSources.IsMagnet(what))
            {
                if (patterns.Length > 0)
                    throw new UserErrorException("--only needs the file list, which a magnet link does not carry: get the .torrent first (shoal get LINK --save-torrent FILE), or use shoal add and shoal files");
                magnet = MagnetLink.Parse(what);
                TorrentSources.EnsureSharable(magnet.InfoHashes, null, magnet.DisplayName ?? magnet.InfoHash.ToHex());
            }
            else
            {
                torrent = CatalogueGet.Applies(what, extraTiers)
                    ? await CatalogueGet.ListOrFetchAsync(what, extraTiers, mode, ct)
                    : TorrentSources.LoadTorrentFile(what!);
                if (torrent is null) return ExitCodes.Success; // the catalogue was listed
                TorrentSources.EnsureSharable(torrent.InfoHashes, torrent.Info, torrent.Info.Name);
            }
            Directory.CreateDirectory(directory);

            await using var client = await peers.StartClientAsync(parse, o => dht.Apply(parse, o with
            {
                EnableLsd = LocalDiscovery.Wanted(parse.GetValue(noLsd), o),
                // Not seeding afterwards: nothing will read the pieces back soon, so the kernel may drop them once written.
                Storage = o.Storage with { DropWrittenPages = !parse.GetValue(seed) },
            }));
            ManagedTorrent managed;
            if (magnet is not null)
            {
                var fetched = await MagnetFetch.RunAsync(client, magnet, extraTiers, manualPeers, directory, mode, TimeSpan.FromSeconds(idleSeconds),
                    webSeeds: !parse.GetValue(noWebSeeds), ct);
                if (fetched.Error is { } why)
                {
                    CommandRunner.WriteError(why.Message);
                    return why.Code;
                }
                managed = fetched.Torrent!;
                if (inOrder) managed.Session.SetPiecePolicy(FileSelection.All(managed.Info, sequential: true));
            }
            else
            {
                var info = torrent!.Info;
                bool[]? wanted = patterns.Length > 0 ? FilePatterns.Wanted(info, patterns) : null;
                // Storage learns the skipped files before anything is written, so they are never created.
                var storage = await FileStorage.OpenAsync(info, directory, client.Options.Storage with { SkippedFiles = wanted?.Select(w => !w).ToArray() },
                    Recheck(mode), ct);
                managed = client.Add(info, TorrentSources.MergeTiers(torrent.AnnounceTiers, extraTiers), storage);
                if (wanted is not null || inOrder)
                {
                    FilePriority[] priorities = [.. (wanted ?? [.. info.Files.Select(_ => true)]).Select(w => w ? FilePriority.Normal : FilePriority.Skip)];
                    managed.Session.SetPiecePolicy(new FileSelection(info, priorities, inOrder));
                }
                managed.AddPeers(manualPeers);
                // A .torrent file the user gave is theirs: its web seeds may be on this machine or the LAN. A catalogue's is not.
                if (!parse.GetValue(noWebSeeds))
                    foreach (var ignored in managed.AddWebSeeds(torrent.WebSeeds, fromUser: !CatalogueGet.Applies(what, extraTiers)))
                        CommandRunner.WriteError(ignored);
            }
            if (parse.GetValue(saveTorrent) is { } savePath) managed.ToTorrent().Save(Path.GetFullPath(savePath));
            return await DownloadRun.RunAsync(client, managed, directory, mode, idleSeconds, parse.GetValue(seed), ct);
        });
        return command;
    }

    private static IProgress<RecheckProgress>? Recheck(DisplayMode mode) =>
        mode == DisplayMode.Live && TransferDisplay.IsInteractive
            ? new Progress<RecheckProgress>(p => Console.Write($"\rchecking existing data: {p.Checked:N0}/{p.ToCheck:N0} pieces{(p.Checked == p.ToCheck ? "\n" : "")}"))
            : null;
}
