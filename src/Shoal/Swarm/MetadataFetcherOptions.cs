using Shoal.Wire;

namespace Shoal.Swarm;

/// <summary>Bounds and pacing of a <see cref="MetadataFetcher"/>.</summary>
public sealed record MetadataFetcherOptions
{
    public static MetadataFetcherOptions Default { get; } = new();

    /// <summary>Connections (including ones being opened) at once.</summary>
    public int MaxConnections { get; init; } = 8;

    /// <summary>Metadata pieces asked of one peer at a time.</summary>
    public int RequestsPerPeer { get; init; } = 8;

    /// <summary>A peer that leaves a request unanswered this long is dropped (and its pieces asked of others).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The largest metadata_size believed; peers announcing more are banned.</summary>
    public int MaxMetadataSize { get; init; } = MetadataMessage.MaxMetadataSize;
}
