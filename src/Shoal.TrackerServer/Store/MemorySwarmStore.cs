using System.Collections.Concurrent;
using Shoal.Metainfo;
using Shoal.TrackerServer.Registry;

namespace Shoal.TrackerServer.Store;

/// <summary>A store kept in memory: lets a tracker be "restarted" in-process (tests, the demo) with the same semantics as SQLite.</summary>
public sealed class MemorySwarmStore : ISwarmStore
{
    private readonly ConcurrentDictionary<InfoHash, SwarmSnapshot> _swarms = new();

    public int Count => _swarms.Count;

    public Task<IReadOnlyList<SwarmSnapshot>> LoadAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<SwarmSnapshot>>([.. _swarms.Values]);

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
