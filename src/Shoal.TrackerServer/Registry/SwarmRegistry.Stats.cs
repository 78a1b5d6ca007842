using Shoal.Metainfo;

namespace Shoal.TrackerServer.Registry;

public sealed partial class SwarmRegistry
{
    /// <summary>Sums over every swarm (one pass, one shard lock at a time).</summary>
    public RegistryTotals Totals()
    {
        int torrents = 0;
        long seeders = 0, leechers = 0, downloaded = 0;
        foreach (var shard in _shards)
        {
            lock (shard.Lock)
            {
                foreach (var swarm in shard.Swarms.Values)
                {
                    torrents++;
                    seeders += swarm.Seeders;
                    leechers += swarm.Leechers;
                    downloaded += swarm.Downloaded;
                }
            }
        }
        return new RegistryTotals(torrents, seeders, leechers, downloaded);
    }

    /// <summary>The <paramref name="max"/> busiest torrents (most peers first), for the stats page.</summary>
    public IReadOnlyList<TorrentStats> TopTorrents(int max)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        // A bounded min-heap keeps this O(torrents · log max) in time and O(max) in memory.
        var heap = new PriorityQueue<(InfoHash Hash, Swarm Swarm, int Seeders, int Leechers, long Downloaded, string? Name), (int, long)>();
        foreach (var shard in _shards)
        {
            lock (shard.Lock)
            {
                foreach (var (hash, swarm) in shard.Swarms)
                {
                    var priority = (swarm.Seeders + swarm.Leechers, swarm.Downloaded);
                    if (heap.Count < max)
                        heap.Enqueue((hash, swarm, swarm.Seeders, swarm.Leechers, swarm.Downloaded, swarm.Name), priority);
                    else if (max > 0 && heap.TryPeek(out _, out var least) && Comparer<(int, long)>.Default.Compare(priority, least) > 0)
                        heap.EnqueueDequeue((hash, swarm, swarm.Seeders, swarm.Leechers, swarm.Downloaded, swarm.Name), priority);
                }
            }
        }
        var rows = new List<TorrentStats>(heap.Count);
        while (heap.TryDequeue(out var item, out _))
            rows.Add(new TorrentStats(item.Hash, item.Name, item.Seeders, item.Leechers, item.Downloaded));
        rows.Reverse();
        return rows;
    }
}
