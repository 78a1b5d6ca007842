using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Shoal.Metainfo;
using Shoal.TrackerServer.Operations;
using Shoal.TrackerServer.Registry;
using Shoal.TrackerServer.Store;

namespace Shoal.TrackerServer.Catalogue;

/// <summary>
/// The catalogue's rules around the in-memory set: validation, the allow-list, the shared key, the publish rate limit
/// and persistence. Entries are never deleted for lack of seeders: a seeder may come back, so a long-unseeded entry is
/// only shown as stale (see <see cref="TrackerOptions.CatalogueStaleAfter"/>).
/// </summary>
public sealed class CatalogueService : IAsyncDisposable
{
    /// <summary>A last-seeded time is written back only once it moved this far (seeders announce every few minutes).</summary>
    internal static readonly TimeSpan PersistGranularity = TimeSpan.FromMinutes(10);

    private readonly TrackerOptions _options;
    private readonly SwarmRegistry _registry;
    private readonly ICatalogueStore? _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IpRateLimiter _publishLimiter;
    private readonly byte[]? _keyHash;

    private CatalogueService(TrackerOptions options, SwarmRegistry registry, ICatalogueStore? store, TimeProvider time, ILogger logger)
    {
        _options = options;
        _registry = registry;
        _store = store;
        _time = time;
        _logger = logger;
        Entries = new TorrentCatalogue(options.CatalogueMaxEntries, options.CatalogueMaxTotalBytes);
        _publishLimiter = new IpRateLimiter(options.CataloguePublishesPerMinute / 60, Math.Max(1, (int)Math.Min(10, options.CataloguePublishesPerMinute)), time);
        _keyHash = options.CatalogueKey is { } key ? SHA256.HashData(Encoding.UTF8.GetBytes(key)) : null;
    }

    public TorrentCatalogue Entries { get; }

    /// <summary>False only for a catalogue started with <see cref="TrackerOptions.CatalogueOpen"/>.</summary>
    public bool RequiresKey => !_options.CatalogueOpen;

    public TimeSpan StaleAfter => _options.CatalogueStaleAfter;

    public int MaxTorrentBytes => _options.CatalogueMaxTorrentBytes;

    internal DateTimeOffset Now => _time.GetUtcNow();

    /// <summary>Creates the catalogue and puts back what <paramref name="store"/> saved (rows are validated like uploads).</summary>
    public static async Task<CatalogueService> StartAsync(TrackerOptions options, SwarmRegistry registry, ICatalogueStore? store,
        TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        var service = new CatalogueService(options, registry, store, time, logger);
        if (store is null) return service;
        int skipped = 0;
        try
        {
            foreach (var row in await store.LoadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (!service.TryRestore(row)) skipped++;
            }
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        logger.LogInformation("catalogue: restored {Count} entries", service.Entries.Count);
        if (skipped > 0) logger.LogWarning("catalogue: skipped {Count} saved entries (damaged, or over the limits)", skipped);
        return service;
    }

    private bool TryRestore(StoredCatalogueEntry row)
    {
        if (row.Torrent.Length > _options.CatalogueMaxTorrentBytes) return false;
        try
        {
            var entry = CatalogueEntry.Create(row.Torrent, row.PublishedAt, row.LastSeededAt);
            return entry.InfoHash.Span.SequenceEqual(row.InfoHash) && Entries.TryAdd(entry, out _) == PublishStatus.Added;
        }
        catch (InvalidTorrentException)
        {
            return false;
        }
    }

    /// <summary>Whether <paramref name="given"/> is the publishing key (any will do for an open catalogue). Constant time.</summary>
    public bool KeyMatches(string? given)
    {
        if (_options.CatalogueOpen) return true;
        if (_keyHash is null || given is null) return false;
        return CryptographicOperations.FixedTimeEquals(_keyHash, SHA256.HashData(Encoding.UTF8.GetBytes(given)));
    }

    /// <summary>Takes one publish token for this client address (4 or 16 bytes); false when it is over its budget.</summary>
    public bool AdmitPublish(ReadOnlySpan<byte> address) => _publishLimiter.TryAcquire(address);

    /// <summary>Whether an entry may be shown and served now (the allow-list can change while the tracker runs).</summary>
    public bool IsVisible(CatalogueEntry entry) => _registry.Allow is not { } allow || allow.Contains(entry.InfoHash);

    public bool IsStale(CatalogueEntry entry, DateTimeOffset now) => entry.IsStale(now, _options.CatalogueStaleAfter);

    public ScrapeCounts CountsOf(CatalogueEntry entry) => _registry.Scrape(entry.InfoHash);

    /// <summary>Validates and adds a .torrent; the result says why not when it is refused.</summary>
    public async Task<PublishResult> PublishAsync(byte[] torrentBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(torrentBytes);
        if (torrentBytes.Length > _options.CatalogueMaxTorrentBytes)
            return new(PublishStatus.TooLarge, $"the .torrent is larger than this catalogue accepts ({_options.CatalogueMaxTorrentBytes} bytes)");
        var now = _time.GetUtcNow();
        CatalogueEntry entry;
        try
        {
            entry = CatalogueEntry.Create(torrentBytes, now);
        }
        catch (InvalidTorrentException ex)
        {
            return new(PublishStatus.Invalid, $"invalid .torrent: {ex.Message}");
        }
        if (_registry.Allow is { } allow && !allow.Contains(entry.InfoHash))
            return new(PublishStatus.NotAllowed, $"torrent {entry.InfoHash.ToHex()} is not allowed on this tracker");
        switch (Entries.TryAdd(entry, out var existing))
        {
            case PublishStatus.Unchanged:
                return new(PublishStatus.Unchanged, $"{entry.Name} is already in the catalogue", existing);
            case PublishStatus.Conflict:
                return new(PublishStatus.Conflict,
                    $"the catalogue already lists a different .torrent for info-hash {entry.InfoHash.ToHex()} (same content); it is kept", existing);
            case PublishStatus.Full:
                return new(PublishStatus.Full,
                    $"the catalogue is full ({Entries.MaxEntries} entries or {Entries.MaxTotalBytes} bytes of .torrent files)");
        }
        if (_store is not null)
        {
            try
            {
                await _store.AddAsync(entry, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Entries.Remove(entry.InfoHash);
                _logger.LogError(ex, "catalogue: saving {InfoHash} failed", entry.InfoHash.ToHex());
                return new(PublishStatus.SaveFailed, "the tracker could not save the catalogue entry; try again later");
            }
        }
        _logger.LogInformation("catalogue: published {Name} ({InfoHash})", entry.Name, entry.InfoHash.ToHex());
        return new(PublishStatus.Added, $"{entry.Name} published", entry);
    }

    /// <summary>Removes an entry (from the store too); false when it was not listed.</summary>
    public async Task<bool> RemoveAsync(InfoHash infoHash, CancellationToken cancellationToken)
    {
        if (!Entries.Remove(infoHash)) return false;
        if (_store is not null) await _store.RemoveAsync(infoHash, cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("catalogue: removed {InfoHash}", infoHash.ToHex());
        return true;
    }

    /// <summary>Notes which entries have seeders now and writes back last-seeded times that moved (called periodically).</summary>
    public async Task RecordSeedersAsync(CancellationToken cancellationToken)
    {
        var changed = Entries.RecordSeeders(_registry, _time.GetUtcNow(), PersistGranularity);
        if (changed.Count == 0) return;
        if (_store is not null) await _store.SaveLastSeededAsync(changed, cancellationToken).ConfigureAwait(false);
        foreach (var entry in changed) entry.PersistedLastSeededAt = entry.LastSeededAt;
    }

    public ValueTask DisposeAsync() => _store?.DisposeAsync() ?? ValueTask.CompletedTask;
}
