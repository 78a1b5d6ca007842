using Shoal.TrackerServer.Registry;

namespace Shoal.TrackerServer.Store;

/// <summary>
/// Where swarms survive a restart. The registry stays the source of truth while running; a store only receives batches
/// of changed swarms (off the request path, see <see cref="PersistenceLoop"/>) and hands them back on start-up.
/// </summary>
public interface ISwarmStore : IAsyncDisposable
{
    /// <summary>Every saved swarm.</summary>
    Task<IReadOnlyList<SwarmSnapshot>> LoadAsync(CancellationToken cancellationToken);

    /// <summary>Replaces the saved state of each given swarm; an empty snapshot deletes it.</summary>
    Task SaveAsync(IReadOnlyList<SwarmSnapshot> swarms, CancellationToken cancellationToken);
}
