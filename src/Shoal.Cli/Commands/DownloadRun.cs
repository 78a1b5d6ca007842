using System.Diagnostics;
using Shoal.Cli.Output;
using Shoal.Client;
using Shoal.Storage;

namespace Shoal.Cli.Commands;

/// <summary>The part of `shoal get` after the torrent is added: progress until done, stalled or interrupted; the exit code.</summary>
internal static class DownloadRun
{
    public static async Task<int> RunAsync(ShoalClient client, ManagedTorrent managed, string directory, DisplayMode mode, int idleSeconds,
        bool keepSeeding, CancellationToken ct)
    {
        var info = managed.Info;
        var startStatus = managed.Status;
        if (mode == DisplayMode.Live)
        {
            Console.Out.WriteLine($"Getting {TerminalText.Safe(info.Name)} ({ByteSize.Format(info.DataLength)}) into {directory}, port {client.ListenPort}");
            if (PieceSummary.AlreadyHere(PieceSummary.Of(managed), startStatus.PieceCount) is { } here) Console.Out.WriteLine($"  {here}");
        }
        var clock = Stopwatch.StartNew();
        using var stopWatching = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var stall = idleSeconds == 0 ? Task.Delay(Timeout.Infinite, stopWatching.Token)
                                     : IdleWatch.WaitForStallAsync(managed, TimeSpan.FromSeconds(idleSeconds), stopWatching.Token);
        await TransferDisplay.RunAsync(managed, mode, Task.WhenAny(managed.Completion, stall), ct);
        stopWatching.Cancel();

        if (managed.Completion.IsFaulted) return await FailAsync(managed, mode, managed.Completion.Exception!.InnerException!);
        if (!managed.Completion.IsCompletedSuccessfully)
        {
            var status = managed.Status;
            await managed.StopAsync();
            if (ct.IsCancellationRequested)
            {
                Report(mode, managed, "stopped",
                    $"stopped at {status.Progress * 100:0.0}% ({PieceSummary.Held(PieceSummary.Of(managed), status.PieceCount)}); run the same command to resume");
                return ExitCodes.Interrupted;
            }
            string reason = stall.IsCompletedSuccessfully ? ((Task<string>)stall).Result : "download did not complete";
            Report(mode, managed, "error", reason, error: true);
            return ExitCodes.NetworkError;
        }

        var final = managed.Status;
        double seconds = Math.Max(clock.Elapsed.TotalSeconds, 0.001);
        Report(mode, managed, "complete",
            $"done: {TerminalText.Safe(info.Name)} — {PieceSummary.Done(PieceSummary.Of(managed))}, {ByteSize.Format(final.TotalBytes)} " +
            $"in {Rates.Duration(clock.Elapsed)} ({Rates.Format((final.VerifiedBytes - startStatus.VerifiedBytes) / seconds)}) → {Path.Combine(directory, info.Name)}" +
            (managed.Session.PiecePolicy is Swarm.FileSelection { WantsEveryFile: false } selection
                ? $" (the {Enumerable.Range(0, info.Files.Count).Count(selection.WantsFile)} wanted files of {info.Files.Count(f => !f.IsPadding)})"
                : ""));
        if (keepSeeding)
        {
            if (mode == DisplayMode.Live) Console.Out.WriteLine("seeding; press Ctrl+C to stop");
            await TransferDisplay.RunAsync(managed, mode, Task.Delay(Timeout.Infinite, ct), ct);
        }
        await managed.StopAsync();
        return ExitCodes.Success;
    }

    public static void Report(DisplayMode mode, ManagedTorrent torrent, string @event, string message, bool error = false)
    {
        message = TerminalText.Safe(message);
        if (mode == DisplayMode.Json) Console.Out.WriteLine(ProgressJson.Line(@event, torrent, torrent.Status, message));
        // An error is always one line on stderr too, so people running a --json command see why it stopped.
        if (error) CommandRunner.WriteError(message);
        else if (mode != DisplayMode.Json) Console.Out.WriteLine(message);
    }

    private static async Task<int> FailAsync(ManagedTorrent torrent, DisplayMode mode, Exception error)
    {
        var (code, message) = CommandRunner.Describe(error);
        var status = torrent.Status;
        bool full = error is DiskFullException || message.StartsWith("disk full", StringComparison.Ordinal);
        string then = full ? "free space and run the same command to resume" : "run the same command to resume once that is fixed";
        message += $" — {PieceSummary.Held(PieceSummary.Of(torrent), status.PieceCount)} are kept; {then}";
        Report(mode, torrent, "error", message, error: true);
        await torrent.StopAsync();
        return code;
    }
}
