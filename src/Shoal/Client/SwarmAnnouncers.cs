using Shoal.Trackers;

namespace Shoal.Client;

/// <summary>
/// A torrent's tracker announces, one <see cref="AnnounceScheduler"/> per swarm it is in: one for most torrents, two
/// for a hybrid (BEP 52), which every tracker hears of under its v1 hash and under its truncated v2 hash. The first
/// scheduler is the torrent's own swarm; what the user does (re-announce, complete, pause, stop) goes to all.
/// </summary>
internal sealed class SwarmAnnouncers(IReadOnlyList<AnnounceScheduler> schedulers) : IAsyncDisposable
{
    /// <summary>The trackers as seen in the first swarm (each URL once, as a user expects to see it).</summary>
    public IReadOnlyList<TrackerStatus> Status => schedulers[0].Status;

    public void Start()
    {
        foreach (var scheduler in schedulers) scheduler.Start();
    }

    public void AnnounceNow(AnnounceEvent ev = AnnounceEvent.None)
    {
        foreach (var scheduler in schedulers) scheduler.AnnounceNow(ev);
    }

    /// <summary>Sends 'stopped' in every swarm at once (within a few seconds in all) and releases the clients.</summary>
    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(schedulers.Select(s => s.StopAsync(TimeSpan.FromSeconds(3)))).ConfigureAwait(false);
        foreach (var scheduler in schedulers) await scheduler.DisposeAsync().ConfigureAwait(false);
    }
}
