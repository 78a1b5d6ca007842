using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Shoal.Cli.Output;
using Shoal.Client;
using Shoal.Metainfo;
using Shoal.Storage;
using Shoal.Swarm;
using Shoal.TrackerServer;
using Shoal.Trackers;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Shoal.Cli.Commands;

/// <summary>
/// <c>shoal demo</c>: a whole swarm on 127.0.0.1 — a tracker, one seeder and a few leechers, all in this process —
/// sharing a generated file, with live progress and a verified summary. Nothing leaves the loopback interface.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var size = new Option<string>("--size") { Description = "Size of the generated file", DefaultValueFactory = _ => "64M", HelpName = "bytes" };
        var leechers = new Option<int>("--leechers") { Description = "Number of leechers (1-16)", DefaultValueFactory = _ => 3 };
        var keep = new Option<bool>("--keep") { Description = "Keep the demo folder (the file, the .torrent, every download) instead of deleting it" };
        var command = new Command("demo", "Run a tracker, a seeder and leechers on 127.0.0.1 with a generated file, then verify every copy")
        {
            size, leechers, keep,
        };
        command.SetAction(async (parse, ct) =>
        {
            if (!ByteSize.TryParse(parse.GetValue(size), out long bytes) || bytes is < 1 or > 16L << 30)
                throw new UserErrorException($"--size '{parse.GetValue(size)}' must be a size from 1 byte to 16G (e.g. 64M)");
            int count = parse.GetValue(leechers);
            if (count is < 1 or > 16) throw new UserErrorException("--leechers must be between 1 and 16");
            var folder = Directory.CreateTempSubdirectory("shoal-demo-").FullName;
            try
            {
                return await RunAsync(folder, bytes, count, ct);
            }
            finally
            {
                if (parse.GetValue(keep)) Console.Out.WriteLine($"demo files kept in {folder}");
                else Directory.Delete(folder, recursive: true);
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(string folder, long bytes, int leecherCount, CancellationToken ct)
    {
        Console.Out.WriteLine($"Shoal demo: 1 tracker, 1 seeder, {leecherCount} leechers on 127.0.0.1, sharing {ByteSize.Format(bytes)} (folder {folder})");
        string source = Path.Combine(folder, "seed", "demo.bin");
        Directory.CreateDirectory(Path.GetDirectoryName(source)!);
        await WriteRandomFileAsync(source, bytes, ct);

        await using var tracker = await TrackerHost.StartAsync(new TrackerOptions
        {
            Host = "127.0.0.1", Port = 0, AnnounceInterval = TimeSpan.FromSeconds(15), MinAnnounceInterval = TimeSpan.FromSeconds(5),
            MaxPeersPerAddress = 0, // every peer of the demo is 127.0.0.1
        }, cancellationToken: ct);
        Console.Out.WriteLine($"tracker  {tracker.HttpAnnounceUrl} (stats: {tracker.StatsUrl})");

        var builder = new TorrentBuilder();
        builder.AddTrackers(tracker.HttpAnnounceUrl);
        var torrent = await builder.BuildAsync(source, null, ct);
        torrent.Save(Path.Combine(folder, "demo.bin.torrent"));
        Console.Out.WriteLine($"torrent  {torrent.InfoHash}, {torrent.Info.PieceCount:N0} pieces of {ByteSize.Format(torrent.Info.PieceLength)}");

        var options = new ClientOptions
        {
            Engine = new EngineSettings { ListenAddress = IPAddress.Loopback },
            Trackers = new TrackerClientOptions { MinimumInterval = TimeSpan.FromSeconds(5) },
        };
        var peers = new List<DemoPeer>();
        try
        {
            var seeder = await ShoalClient.StartAsync(options with { Storage = StorageOptions.Default with { ResumeDirectory = Path.Combine(folder, "resume") } });
            peers.Add(new DemoPeer("seeder", seeder, await seeder.AddAsync(torrent.Info, torrent.AnnounceTiers, Path.GetDirectoryName(source)!, null, ct)));
            for (int i = 1; i <= leecherCount; i++)
            {
                var client = await ShoalClient.StartAsync(options);
                string target = Path.Combine(folder, $"leecher-{i}");
                peers.Add(new DemoPeer($"leecher {i}", client, await client.AddAsync(torrent.Info, torrent.AnnounceTiers, target, null, ct)));
            }
            var clock = Stopwatch.StartNew();
            var leechers = peers.Skip(1).ToList();
            foreach (var leecher in leechers) _ = leecher.Torrent.Completion.ContinueWith(_ => leecher.FinishedAfter = clock.Elapsed, TaskScheduler.Default);
            var all = Task.WhenAll(leechers.Select(p => p.Torrent.Completion));
            var deadline = Task.Delay(TimeSpan.FromMinutes(5), ct);
            await ShowAsync(peers, Task.WhenAny(all, deadline), ct);
            if (!all.IsCompletedSuccessfully)
            {
                CommandRunner.WriteError(ct.IsCancellationRequested ? "demo interrupted" : "the demo swarm did not finish within 5 minutes");
                return ct.IsCancellationRequested ? ExitCodes.Interrupted : ExitCodes.NetworkError;
            }
            return await SummarizeAsync(source, leechers, torrent, clock.Elapsed, ct);
        }
        finally
        {
            foreach (var peer in peers) await peer.Client.DisposeAsync();
        }
    }

    private sealed class DemoPeer(string name, ShoalClient client, ManagedTorrent torrent)
    {
        public string Name { get; } = name;
        public ShoalClient Client { get; } = client;
        public ManagedTorrent Torrent { get; } = torrent;
        public TimeSpan? FinishedAfter { get; set; }
    }

    private static async Task ShowAsync(List<DemoPeer> peers, Task until, CancellationToken ct)
    {
        if (TransferDisplay.IsInteractive)
        {
            await AnsiConsole.Live(Table(peers)).AutoClear(false).StartAsync(async context =>
            {
                while (!until.IsCompleted && !ct.IsCancellationRequested)
                {
                    await Task.WhenAny(until, Task.Delay(200, CancellationToken.None));
                    context.UpdateTarget(Table(peers));
                }
            });
            return;
        }
        while (!until.IsCompleted && !ct.IsCancellationRequested)
        {
            await Task.WhenAny(until, Task.Delay(1000, CancellationToken.None));
            Console.Out.WriteLine(string.Join("  |  ", peers.Select(p =>
            {
                var s = p.Torrent.Status;
                return $"{p.Name} {s.Progress * 100:0}% ↓{Rates.Format(s.DownloadRate)} ↑{Rates.Format(s.UploadRate)}";
            })));
        }
    }

    private static IRenderable Table(List<DemoPeer> peers)
    {
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumns("peer", "port", "progress", "", "down", "up", "peers", "state");
        foreach (var peer in peers)
        {
            var s = peer.Torrent.Status;
            int filled = (int)Math.Round(s.Progress * 30);
            table.AddRow(peer.Name, peer.Client.ListenPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                $"[green]{new string('━', filled)}[/][grey]{new string('━', 30 - filled)}[/]", $"{s.Progress * 100:0.0}%",
                Rates.Format(s.DownloadRate), Rates.Format(s.UploadRate), s.Peers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                peer.FinishedAfter is { } t ? $"[green]done in {Rates.Duration(t)}[/]" : s.State.ToString().ToLowerInvariant());
        }
        return table;
    }

    private static async Task<int> SummarizeAsync(string source, List<DemoPeer> leechers, Torrent torrent, TimeSpan elapsed, CancellationToken ct)
    {
        byte[] expected = await HashFileAsync(source, ct);
        Console.Out.WriteLine($"source   SHA-256 {Convert.ToHexStringLower(expected)}");
        bool allGood = true;
        foreach (var leecher in leechers)
        {
            string copy = Path.Combine(((FileStorage)leecher.Torrent.Storage!).DownloadDirectory, torrent.Info.Name);
            bool same = File.Exists(copy) && (await HashFileAsync(copy, ct)).AsSpan().SequenceEqual(expected);
            var s = leecher.Torrent.Status;
            allGood &= same && s.PiecesVerified == s.PieceCount;
            var time = leecher.FinishedAfter ?? elapsed;
            Console.Out.WriteLine($"{leecher.Name,-10} {(same ? "verified" : "MISMATCH")}: {s.PiecesVerified:N0}/{s.PieceCount:N0} pieces SHA-1 checked, " +
                $"file SHA-256 {(same ? "matches" : "differs")}, done in {Rates.Duration(time)} " +
                $"({Rates.Format(torrent.Info.DataLength / Math.Max(time.TotalSeconds, 0.001))}), uploaded {ByteSize.Format(s.Uploaded)} to other leechers");
        }
        Console.Out.WriteLine(allGood
            ? $"All {leechers.Count} copies are byte-identical to the original. The swarm finished in {Rates.Duration(elapsed)}."
            : "Some copies differ from the original!");
        return allGood ? ExitCodes.Success : ExitCodes.InternalError;
    }

    private static async Task<byte[]> HashFileAsync(string path, CancellationToken ct)
    {
        await using var stream = File.OpenRead(path);
        return await SHA256.HashDataAsync(stream, ct);
    }

    private static async Task WriteRandomFileAsync(string path, long length, CancellationToken ct)
    {
        var random = new Random(20261124);
        var buffer = new byte[1 << 20];
        await using var stream = File.Create(path);
        for (long left = length; left > 0; left -= buffer.Length)
        {
            random.NextBytes(buffer);
            await stream.WriteAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), ct);
        }
    }
}
