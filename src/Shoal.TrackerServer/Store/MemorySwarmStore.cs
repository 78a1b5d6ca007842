using System.Collections.Concurrent;
using Shoal.Metainfo;
using Shoal.TrackerServer.Registry;

namespace Shoal.TrackerServer.Store;

/// <summary>A store kept in memory: lets a tracker be "restarted" in-process (tests, the demo) with the same semantics as SQLite.</summary>
public sealed class MemorySwarmStore : ISwarmStore
{
    private readonly ConcurrentDictionary<InfoHash, SwarmSnapshot> _swarms = new();

    public int Count => _swarms.Count;

    public Task<IReadOnlyList<SwarmSnapshot>> LoadAsync(SwarmLimits limits, CancellationToken cancellationToken)
    {
        var swarms = _swarms.Values
            .OrderByDescending(s => s.Peers.Count == 0 ? long.MinValue : s.Peers.Max(p => p.LastSeenUnixSeconds))
            .ThenByDescending(s => s.Downloaded)
            .Take(limits.MaxTorrents)
            .ToList();
        var kept = swarms.SelectMany(s => s.Peers.Select(p => (s.InfoHash, Peer: p)))
            .OrderByDescending(x => x.Peer.LastSeenUnixSeconds).Take(limits.MaxPeers).ToLookup(x => x.InfoHash, x => x.Peer);
        return Task.FromResult<IReadOnlyList<SwarmSnapshot>>([.. swarms.Select(s => s with { Peers = [.. kept[s.InfoHash]] })]);
    }

    public Task SaveAsync(IReadOnlyList<SwarmSnapshot> swarms, CancellationToken cancellationToken)
    {
        foreach (var swarm in swarms)
        {
            if (swarm.IsEmpty) _swarms.TryRemove(swarm.InfoHash, out _);
            else _swarms[swarm.InfoHash] = swarm;
        }
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
