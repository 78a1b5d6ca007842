using Shoal.Client;
using Shoal.Trackers;

namespace Shoal.Cli.Commands;

/// <summary>
/// Gives up on a download that cannot make progress: no peer connected, no web seed working and no piece verified for a while.
/// The reason names what went wrong (the trackers' errors, or that nobody has the torrent).
/// </summary>
internal static class IdleWatch
{
    public static async Task<string> WaitForStallAsync(ManagedTorrent torrent, TimeSpan limit, CancellationToken ct)
    {
        long lastVerified = -1;
        var lastProgress = DateTime.UtcNow;
        while (true)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
            var status = torrent.Status;
            if (status.VerifiedBytes != lastVerified || status.Peers.Count > 0 || status.WebSeeds.Any(w => w.IsWorking))
            {
                lastVerified = status.VerifiedBytes;
                lastProgress = DateTime.UtcNow;
                continue;
            }
            if (DateTime.UtcNow - lastProgress >= limit) return Explain(torrent, limit);
        }
    }

    private static string Explain(ManagedTorrent torrent, TimeSpan limit)
    {
        var trackers = torrent.Trackers;
        var failing = trackers.Where(t => t.State is TrackerState.Failing or TrackerState.Invalid && t.LastError is not null).ToList();
        string waited = $"{limit.TotalSeconds:0} s";
        var status = torrent.Status;
        int known = status.KnownPeers;
        if (known == 0 && status.WebSeeds.Count > 0 && !status.WebSeeds.Any(w => w.IsWorking))
            return $"web seed {status.WebSeeds[0].LastError ?? "failed"}, and no peer has it (gave up after {waited})";
        if (trackers.Count == 0 && known > 0)
            return $"no peer could be reached after {waited} ({known} known; is the seeder running, and its port open in its firewall?)";
        if (trackers.Count == 0)
            return $"no peers to download from after {waited}: the torrent has no tracker (add one with --tracker, or a peer with --peer)";
        if (failing.Count == trackers.Count) return $"{failing[0].LastError} (gave up after {waited})";
        return $"no peer with the data was found after {waited} (the tracker knows {trackers.Max(t => t.LastPeerCount)} peers)";
    }
}
