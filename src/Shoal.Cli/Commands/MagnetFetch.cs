using System.Net;
using Shoal.Cli.Output;
using Shoal.Client;
using Shoal.Metainfo;
using Shoal.Storage;
using Shoal.Swarm;

namespace Shoal.Cli.Commands;

/// <summary>
/// The first phase of `shoal get MAGNET`: find peers and fetch the torrent's metadata from them, with a
/// "fetching metadata" display; gives up (exit 4) when no peer has answered for the idle timeout.
/// </summary>
internal static class MagnetFetch
{
    public sealed record Result(ManagedTorrent? Torrent, (int Code, string Message)? Error);

    /// <param name="webSeeds">Use the link's 'ws' web seeds (not with --no-web-seeds).</param>
    public static async Task<Result> RunAsync(ShoalClient client, MagnetLink link, IReadOnlyList<IReadOnlyList<string>> extraTiers,
        IReadOnlyList<IPEndPoint> peers, string directory, DisplayMode mode, TimeSpan idle, bool webSeeds, CancellationToken ct)
    {
        // Every hash of the link (a hybrid's two, or a v2 one), its trackers and --tracker's, its web seeds unless refused.
        var merged = new MagnetLink(link.InfoHashes, link.DisplayName,
            link.Trackers.Concat(extraTiers.SelectMany(t => t)).Distinct(StringComparer.Ordinal), link.Peers, link.ExactLength,
            webSeeds ? link.WebSeeds : null);
        string name = TerminalText.Safe(link.DisplayName ?? link.InfoHash.ToHex());
        if (mode == DisplayMode.Live) Console.Out.WriteLine($"Fetching metadata of {name} from peers (port {client.ListenPort})");

        var watch = new ActivityWatch(idle);
        var progress = new Progress<MetadataProgress>(p =>
        {
            watch.Saw(p);
            if (mode == DisplayMode.Json)
                Console.Out.WriteLine($"{{\"event\":\"metadata\",\"info_hash\":\"{link.InfoHash}\",\"known_peers\":{p.KnownPeers},\"connected_peers\":{p.ConnectedPeers}," +
                                      $"\"received_bytes\":{p.ReceivedBytes},\"total_bytes\":{(p.TotalBytes is long t ? t : "null")}}}");
            else if (mode == DisplayMode.Live && TransferDisplay.IsInteractive)
                Console.Write($"\rfetching metadata: {p.ConnectedPeers} of {p.KnownPeers} peers connected, " +
                              $"{ByteSize.Format(p.ReceivedBytes)}{(p.TotalBytes is long total ? " of " + ByteSize.Format(total) : "")}   ");
        });
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var watching = idle > TimeSpan.Zero ? watch.CancelWhenIdleAsync(giveUp) : Task.CompletedTask;
        try
        {
            var managed = await client.AddMagnetAsync(merged, directory, peers, progress, null, giveUp.Token);
            if (mode == DisplayMode.Live && TransferDisplay.IsInteractive) Console.WriteLine();
            return new Result(managed, null);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new Result(null, (ExitCodes.NetworkError, watch.Explain(link)));
        }
        finally
        {
            giveUp.Cancel();
            await watching.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Tracks whether any peer is connected; cancels the fetch when none has been for the idle time.</summary>
    private sealed class ActivityWatch(TimeSpan idle)
    {
        private long _lastActivity = Environment.TickCount64;
        private MetadataProgress? _last;

        public void Saw(MetadataProgress progress)
        {
            _last = progress;
            if (progress.ConnectedPeers > 0) Interlocked.Exchange(ref _lastActivity, Environment.TickCount64);
        }

        public async Task CancelWhenIdleAsync(CancellationTokenSource cancel)
        {
            while (!cancel.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancel.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (_last is { ConnectedPeers: > 0 }) Interlocked.Exchange(ref _lastActivity, Environment.TickCount64);
                if (Environment.TickCount64 - Interlocked.Read(ref _lastActivity) > idle.TotalMilliseconds) cancel.Cancel();
            }
        }

        public string Explain(MagnetLink link)
        {
            string waited = $"{idle.TotalSeconds:0} s";
            return _last switch
            {
                null or { KnownPeers: 0 } when link.Trackers.Count == 0 =>
                    $"no peer to fetch the metadata from after {waited}: the magnet link names no tracker (add --tracker or --peer)",
                null or { KnownPeers: 0 } => $"no peer found for {link.InfoHash} after {waited} (trackers: {string.Join(", ", link.Trackers)})",
                { ConnectedPeers: 0 } last => $"none of the {last.KnownPeers} peers found answered within {waited}",
                _ => $"the peers did not send the metadata within {waited}",
            };
        }
    }
}
