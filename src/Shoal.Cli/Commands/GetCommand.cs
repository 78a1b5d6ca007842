using System.CommandLine;
using System.Diagnostics;
using Shoal.Cli.Output;
using Shoal.Client;
using Shoal.Metainfo;
using Shoal.Storage;

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

        command.SetAction(async (parse, ct) =>
        {
            string? what = parse.GetValue(source);
            if (what is not null && TorrentSources.IsMagnet(what))
                throw new UserErrorException("magnet links are not supported by this build yet: download the .torrent file instead");
            var torrent = CatalogueGet.Applies(what, peers.TrackerTiers(parse))
                ? await CatalogueGet.ListOrFetchAsync(what, peers.TrackerTiers(parse), peers.Display(parse), ct)
                : TorrentSources.LoadTorrentFile(what!);
            if (torrent is null) return ExitCodes.Success; // the catalogue was listed
            var mode = peers.Display(parse);
            string directory = Path.GetFullPath(parse.GetValue(output) ?? ".");
            Directory.CreateDirectory(directory);
            var tiers = TorrentSources.MergeTiers(torrent.AnnounceTiers, peers.TrackerTiers(parse));
            var manualPeers = peers.PeerEndPoints(parse);
            int idleSeconds = parse.GetValue(idle);
            if (idleSeconds < 0) throw new UserErrorException("--idle-timeout must not be negative");

            await using var client = await peers.StartClientAsync(parse);
            var managed = await client.AddAsync(torrent.Info, tiers, directory, Recheck(mode), ct);
            managed.AddPeers(manualPeers);
            var startStatus = managed.Status;
            if (mode == DisplayMode.Live)
            {
                Console.Out.WriteLine($"Getting {TerminalText.Safe(torrent.Info.Name)} ({ByteSize.Format(torrent.Info.TotalLength)}) into {directory}, port {client.ListenPort}");
                if (startStatus.PiecesVerified > 0)
                    Console.Out.WriteLine($"  {startStatus.PiecesVerified:N0} of {startStatus.PieceCount:N0} pieces already here and verified");
            }
            var clock = Stopwatch.StartNew();
            using var stopWatching = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var stall = idleSeconds == 0 ? Task.Delay(Timeout.Infinite, stopWatching.Token)
                                         : IdleWatch.WaitForStallAsync(managed, TimeSpan.FromSeconds(idleSeconds), stopWatching.Token);
            var done = Task.WhenAny(managed.Completion, stall);
            await TransferDisplay.RunAsync(managed, mode, done, ct);
            stopWatching.Cancel();

            if (managed.Completion.IsFaulted) return Fail(managed, mode, managed.Completion.Exception!.InnerException!);
            if (!managed.Completion.IsCompletedSuccessfully)
            {
                var status = managed.Status;
                await managed.StopAsync();
                if (ct.IsCancellationRequested)
                {
                    Report(mode, managed, "stopped", $"stopped at {status.Progress * 100:0.0}% ({status.PiecesVerified:N0}/{status.PieceCount:N0} pieces verified); run the same command to resume");
                    return ExitCodes.Interrupted;
                }
                string reason = stall.IsCompletedSuccessfully ? ((Task<string>)stall).Result : "download did not complete";
                Report(mode, managed, "error", reason, error: true);
                return ExitCodes.NetworkError;
            }

            var final = managed.Status;
            string where = torrent.Info.IsMultiFile ? Path.Combine(directory, torrent.Info.Name) : Path.Combine(directory, torrent.Info.Name);
            double seconds = Math.Max(clock.Elapsed.TotalSeconds, 0.001);
            Report(mode, managed, "complete",
                $"done: {TerminalText.Safe(torrent.Info.Name)} — all {final.PieceCount:N0} pieces verified, {ByteSize.Format(final.TotalBytes)} " +
                $"in {Rates.Duration(clock.Elapsed)} ({Rates.Format((final.VerifiedBytes - startStatus.VerifiedBytes) / seconds)}) → {where}");
            if (parse.GetValue(seed))
            {
                if (mode == DisplayMode.Live) Console.Out.WriteLine("seeding; press Ctrl+C to stop");
                await TransferDisplay.RunAsync(managed, mode, Task.Delay(Timeout.Infinite, ct), ct);
            }
            await managed.StopAsync();
            return ExitCodes.Success;
        });
        return command;
    }

    private static IProgress<RecheckProgress>? Recheck(DisplayMode mode) =>
        mode == DisplayMode.Live && TransferDisplay.IsInteractive
            ? new Progress<RecheckProgress>(p => Console.Write($"\rchecking existing data: {p.Checked:N0}/{p.ToCheck:N0} pieces"))
            : null;

    private static void Report(DisplayMode mode, ManagedTorrent torrent, string @event, string message, bool error = false)
    {
        if (mode == DisplayMode.Json) Console.Out.WriteLine(ProgressJson.Line(@event, torrent, torrent.Status, message));
        else if (error) CommandRunner.WriteError(message);
        else Console.Out.WriteLine(message);
    }

    private static int Fail(ManagedTorrent torrent, DisplayMode mode, Exception error)
    {
        var (code, message) = CommandRunner.Describe(error);
        var status = torrent.Status;
        message += $" — {status.PiecesVerified:N0}/{status.PieceCount:N0} verified pieces are kept; free space and run the same command to resume";
        Report(mode, torrent, "error", message, error: true);
        torrent.StopAsync().AsTask().GetAwaiter().GetResult();
        return code;
    }
}
