namespace Shoal.Metainfo;

/// <summary>
/// A torrent's identity: its v1 info-hash (SHA-1), its v2 info-hash (SHA-256), or both for a hybrid torrent, which is
/// one torrent reachable in two swarms. Everything on the wire uses a 20-byte <see cref="InfoHash"/>: the v1 hash, or
/// the v2 hash truncated; <see cref="WireForms"/> lists both so an incoming handshake can be routed by either.
/// </summary>
public readonly record struct InfoHashes
{
    public InfoHashes(InfoHash? v1, InfoHashV2? v2)
    {
        if (v1 is null && v2 is null) throw new ArgumentException("a torrent has a v1 or a v2 info-hash, or both");
        V1 = v1;
        V2 = v2;
    }

    public InfoHashes(InfoHash v1) : this(v1, null) { }

    public InfoHashes(InfoHashV2 v2) : this(null, v2) { }

    /// <summary>SHA-1 of the info dictionary, when the torrent has a v1 form.</summary>
    public InfoHash? V1 { get; }

    /// <summary>SHA-256 of the info dictionary, when the torrent has a v2 form.</summary>
    public InfoHashV2? V2 { get; }

    public bool HasV1 => V1 is not null;

    public bool HasV2 => V2 is not null;

    public bool IsHybrid => HasV1 && HasV2;

    /// <summary>
    /// The one 20-byte hash to use where a single one is wanted: v1 when there is one (the swarm every client can
    /// join), else the truncated v2 hash.
    /// </summary>
    public InfoHash Primary => V1 ?? V2!.Value.Truncated;

    /// <summary>The v2 hash truncated to 20 bytes (the v2 swarm's id on the wire), if there is a v2 hash.</summary>
    public InfoHash? V2Truncated => V2?.Truncated;

    /// <summary>Every 20-byte form this torrent answers to: v1 first, then the truncated v2 hash.</summary>
    public IReadOnlyList<InfoHash> WireForms => (V1, V2) switch
    {
        ({ } v1, { } v2) => [v1, v2.Truncated],
        ({ } v1, null) => [v1],
        (null, { } v2) => [v2.Truncated],
        _ => [],
    };

    /// <summary>True when a peer's handshake hash names this torrent (either swarm of a hybrid).</summary>
    public bool Matches(InfoHash wireHash) => V1 == wireHash || V2?.Truncated == wireHash;

    /// <summary>True when <paramref name="wireHash"/> is the truncated v2 hash: the peer joined the v2 swarm.</summary>
    public bool IsV2Swarm(InfoHash wireHash) => V2?.Truncated == wireHash;

    public override string ToString() => (V1, V2) switch
    {
        ({ } v1, { } v2) => $"{v1.ToHex()} (v1), {v2.ToHex()} (v2)",
        ({ } v1, null) => v1.ToHex(),
        (null, { } v2) => v2.ToHex(),
        _ => "",
    };
}
