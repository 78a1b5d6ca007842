using Shoal.TrackerServer.Registry;

namespace Shoal.TrackerServer.Store;

/// <summary>
/// Where swarms survive a restart. The registry stays the source of truth while running; a store only receives batches
/// of changed swarms (off the request path, see <see cref="PersistenceLoop"/>) and hands them back on start-up.
/// </summary>
public interface ISwarmStore : IAsyncDisposable
{
    /// <summary>
    /// The saved swarms, within the registry's caps: at most <see cref="SwarmLimits.MaxTorrents"/> torrents (those with
    /// the most recently seen peers first) and <see cref="SwarmLimits.MaxPeers"/> peers (the most recently seen), so a
    /// file written under larger caps, or edited, cannot make start-up hold more than the running tracker would.
    /// </summary>
    Task<IReadOnlyList<SwarmSnapshot>> LoadAsync(SwarmLimits limits, CancellationToken cancellationToken);

    /// <summary>Replaces the saved state of each given swarm; an empty snapshot deletes it.</summary>
    Task SaveAsync(IReadOnlyList<SwarmSnapshot> swarms, CancellationToken cancellationToken);
}
