using Shoal.Metainfo;
using Shoal.TrackerServer.Catalogue;

namespace Shoal.TrackerServer.Store;

/// <summary>Where catalogue entries survive a restart. Publishes are rare, so each change is written at once.</summary>
public interface ICatalogueStore : IAsyncDisposable
{
    /// <summary>Every saved entry, oldest first. Rows are returned as found: the caller validates them.</summary>
    Task<IReadOnlyList<StoredCatalogueEntry>> LoadAsync(CancellationToken cancellationToken);

    Task AddAsync(CatalogueEntry entry, CancellationToken cancellationToken);

    Task RemoveAsync(InfoHash infoHash, CancellationToken cancellationToken);

    /// <summary>Writes the <see cref="CatalogueEntry.LastSeededAt"/> of each entry.</summary>
    Task SaveLastSeededAsync(IReadOnlyList<CatalogueEntry> entries, CancellationToken cancellationToken);
}

/// <summary>One saved row: the .torrent bytes and the two times the catalogue keeps.</summary>
public sealed record StoredCatalogueEntry(byte[] InfoHash, byte[] Torrent, DateTimeOffset PublishedAt, DateTimeOffset LastSeededAt);
