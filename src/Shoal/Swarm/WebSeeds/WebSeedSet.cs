using Microsoft.Extensions.Logging;

namespace Shoal.Swarm.WebSeeds;

/// <summary>
/// One torrent's web seeds: which URLs it uses (bounded, duplicates dropped), starting and stopping their request slots
/// with the torrent (storage attached, paused, resumed, stopped), waking them when blocks free up, and their status.
/// Everything but <see cref="StopAsync"/>'s wait runs under the torrent's lock.
/// </summary>
internal sealed class WebSeedSet(SwarmContext swarm, RequestScheduler scheduler, Func<PieceVerifier?> verifier, Func<WebSeedClient> client)
{
    /// <summary>Most web seeds used per torrent: a torrent's url-list is untrusted and each seed costs connections.</summary>
    public const int MaxSeeds = 8;

    private readonly List<WebSeedPeer> _seeds = [];

    public IReadOnlyList<WebSeedPeer> All => _seeds;

    /// <summary>Adds the URLs not yet used (needs the metadata); returns how many were added. Started at once when the torrent downloads.</summary>
    public int Add(IEnumerable<Uri> urls, bool fromUser)
    {
        int added = 0;
        foreach (var url in urls)
        {
            if (_seeds.Count >= MaxSeeds)
            {
                swarm.Log.LogInformation("web seed {Url} ignored: {Max} web seeds at most per torrent", url, MaxSeeds);
                continue;
            }
            if (_seeds.Any(s => s.Seed.Url == url)) continue;
            var http = client();
            var seed = new WebSeed(url, swarm.Info!, http, fromUser, new Random(swarm.Random.Next()));
            _seeds.Add(new WebSeedPeer(seed, swarm, scheduler, verifier, http.Options.MaxConnectionsPerServer));
            swarm.Log.LogInformation("web seed {Url} added{Trust}", url, fromUser ? "" : " (public addresses only)");
            added++;
        }
        if (added > 0) Start();
        return added;
    }

    /// <summary>Starts every seed's requests, if the torrent downloads (storage attached, not paused or stopped).</summary>
    public void Start()
    {
        if (swarm.Picker is null || !swarm.IsActive) return;
        foreach (var seed in _seeds) seed.Start();
    }

    /// <summary>Stops every seed's requests (lock held); the task ends when they have (await it without the lock).</summary>
    public Task StopAsync() => Task.WhenAll(_seeds.Select(s => s.StopAsync()).ToList());

    public void Wake()
    {
        foreach (var seed in _seeds) seed.Wake();
    }

    public IReadOnlyList<WebSeedStatus> Status()
    {
        var now = swarm.Time.GetUtcNow();
        return [.. _seeds.Select(s => new WebSeedStatus(s.Seed.Url, s.Rate.BytesPerSecond, s.Seed.Downloaded, s.IsFetching, s.Seed.Backoff.IsBanned,
            s.Seed.LastError, s.Seed.Backoff.RetryAt > now && !s.Seed.Backoff.IsBanned ? s.Seed.Backoff.RetryAt : null))];
    }
}
