using Shoal.Client;
using Shoal.Storage;
using Shoal.Swarm;
using Shoal.Trackers;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Shoal.Cli.Output;

/// <summary>Shows a torrent's progress until a task completes: a live panel, plain lines, JSON lines, or nothing.</summary>
internal static class TransferDisplay
{
    private static readonly TimeSpan LiveInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan JsonInterval = TimeSpan.FromSeconds(1);

    public static bool IsInteractive => !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    /// <summary>Renders until <paramref name="until"/> finishes (or the token is cancelled); never throws for cancellation.</summary>
    public static async Task RunAsync(ManagedTorrent torrent, DisplayMode mode, Task until, CancellationToken ct)
    {
        switch (mode)
        {
            case DisplayMode.Quiet:
                await WaitAsync(until, Timeout.InfiniteTimeSpan, ct);
                break;
            case DisplayMode.Json:
                while (!await WaitAsync(until, JsonInterval, ct)) Console.Out.WriteLine(ProgressJson.Line("progress", torrent, torrent.Status));
                break;
            case DisplayMode.Live when IsInteractive:
                await AnsiConsole.Live(Render(torrent)).AutoClear(false).StartAsync(async context =>
                {
                    while (!await WaitAsync(until, LiveInterval, ct)) context.UpdateTarget(Render(torrent));
                    context.UpdateTarget(Render(torrent));
                });
                break;
            default:
                while (!await WaitAsync(until, PlainInterval, ct)) Console.Out.WriteLine(PlainLine(torrent.Status));
                break;
        }
    }

    /// <summary>True once <paramref name="until"/> is done or <paramref name="ct"/> cancelled; false after <paramref name="interval"/>.</summary>
    private static async Task<bool> WaitAsync(Task until, TimeSpan interval, CancellationToken ct)
    {
        try
        {
            await Task.WhenAny(until, Task.Delay(interval, ct));
        }
        catch (OperationCanceledException) { }
        return until.IsCompleted || ct.IsCancellationRequested;
    }

    public static string PlainLine(TorrentStatus s) =>
        $"{s.State.ToString().ToLowerInvariant()} {s.Progress * 100,6:0.0}%  {ByteSize.Format(s.VerifiedBytes)}/{ByteSize.Format(s.TotalBytes)}  " +
        $"down {Rates.Format(s.DownloadRate)}  up {Rates.Format(s.UploadRate)}  peers {s.Peers.Count} ({s.Seeds} seeds{(PeerSources.Any(s) ? "; " + PeerSources.Summary(s) : "")})  eta {Rates.Duration(s.Eta)}";

    private static IRenderable Render(ManagedTorrent torrent)
    {
        var s = torrent.Status;
        var rows = new List<IRenderable>
        {
            new Markup($"[bold]{Markup.Escape(TerminalText.Safe(torrent.Info.Name))}[/]  [grey]{torrent.Info.InfoHash}[/]"),
            new Markup($"{Bar(s.Progress, 40)} [bold]{s.Progress * 100:0.0}%[/]  {ByteSize.Format(s.VerifiedBytes)} of {ByteSize.Format(s.TotalBytes)}  " +
                       $"pieces {s.PiecesVerified:N0}/{s.PieceCount:N0}"),
            new Markup($"[green]↓ {Rates.Format(s.DownloadRate)}[/]  [blue]↑ {Rates.Format(s.UploadRate)}[/]  " +
                       $"peers {s.Peers.Count} ({s.Seeds} seeds, {s.KnownPeers} known)  ETA {Rates.Duration(s.Eta)}  [grey]{StateText(s)}[/]"),
            new Markup($"[grey]peers from: {Markup.Escape(PeerSources.Any(s) ? PeerSources.Summary(s) : "none yet")}[/]"),
        };
        foreach (var tracker in torrent.Trackers.Take(4)) rows.Add(new Markup(TrackerLine(tracker)));
        if (torrent.Info.IsMultiFile && torrent.Storage is FileStorage storage) rows.AddRange(FileLines(torrent, storage));
        if (s.Peers.Count > 0 || s.WebSeeds.Count > 0) rows.Add(PeerTable(s));
        return new Rows(rows);
    }

    private static string StateText(TorrentStatus s) =>
        s.Error is { } error ? $"[red]{Markup.Escape(error)}[/]" : s.State.ToString().ToLowerInvariant();

    private static string TrackerLine(TrackerStatus t)
    {
        string url = Markup.Escape(TerminalText.Safe(t.Url));
        return t.State switch
        {
            TrackerState.Working => $"[grey]tracker {url}: ok, {t.LastPeerCount} peers" +
                                    (t.Seeders is int seeds ? $", {seeds} seeds, {t.Leechers ?? 0} leechers" : "") + "[/]",
            TrackerState.Failing or TrackerState.Invalid => $"[yellow]tracker {url}: {Markup.Escape(TerminalText.Safe(t.LastError ?? "failing"))}[/]",
            _ => $"[grey]tracker {url}: {t.State.ToString().ToLowerInvariant()}[/]",
        };
    }

    private static IEnumerable<IRenderable> FileLines(ManagedTorrent torrent, FileStorage storage)
    {
        var have = torrent.Session.SnapshotHave();
        var files = torrent.Info.Files.Select((f, i) => (File: f, Index: i)).Where(x => !x.File.IsPadding).ToList();
        foreach (var (file, index) in files.Take(8))
        {
            double done = file.Length == 0 ? 1 : (double)storage.Layout.VerifiedBytes(index, have) / file.Length;
            yield return new Markup($"  {Bar(done, 16)} {done * 100,5:0.0}%  {Markup.Escape(TerminalText.Safe(file.Path))} [grey]({ByteSize.Format(file.Length)})[/]");
        }
        if (files.Count > 8) yield return new Markup($"  [grey]… and {files.Count - 8} more files[/]");
    }

    private static Table PeerTable(TorrentStatus s)
    {
        var table = new Table().Border(TableBorder.None).HideHeaders();
        table.AddColumns("peer", "client", "have", "down", "up", "flags");
        foreach (var p in s.Peers.OrderByDescending(p => p.DownloadRate + p.UploadRate).Take(6))
        {
            string flags = (p.Incoming ? "in " : "out ") + (p.PeerChoking ? "choked-by " : "") + (p.AmChoking ? "choking " : "") + (p.Snubbed ? "snubbed" : "");
            table.AddRow(Markup.Escape(p.EndPoint.ToString()), Markup.Escape(TerminalText.Safe(p.Client)), $"{p.Progress * 100:0}%",
                Rates.Format(p.DownloadRate), Rates.Format(p.UploadRate), $"[grey]{flags.Trim()}[/]");
        }
        foreach (var w in s.WebSeeds.Take(2))
            table.AddRow(Markup.Escape(TerminalText.Safe(w.Url.Host)), "web seed", "100%", Rates.Format(w.DownloadRate), Rates.Format(0),
                $"[grey]{Markup.Escape(PeerSources.State(w))}[/]");
        return table;
    }

    private static string Bar(double fraction, int width)
    {
        int filled = (int)Math.Round(Math.Clamp(fraction, 0, 1) * width);
        return $"[green]{new string('━', filled)}[/][grey]{new string('━', width - filled)}[/]";
    }
}
