using Shoal.Wire;

namespace Shoal.TrackerServer.Registry;

/// <summary>
/// Reusable output buffers for one announce answer: compact peers of each family and, when asked for, their peer ids.
/// Sized for <see cref="Capacity"/> peers per family so an announce never allocates.
/// </summary>
public sealed class PeerSelection
{
    private readonly byte[] _v4;
    private readonly byte[] _v6;
    private readonly byte[] _ids4;
    private readonly byte[] _ids6;

    public PeerSelection(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        Capacity = capacity;
        _v4 = new byte[capacity * PeerEndpoint.CompactV4Length];
        _v6 = new byte[capacity * PeerEndpoint.CompactV6Length];
        _ids4 = new byte[capacity * PeerId.Length];
        _ids6 = new byte[capacity * PeerId.Length];
    }

    public int Capacity { get; }

    public int Count4 { get; internal set; }

    public int Count6 { get; internal set; }

    public ReadOnlySpan<byte> Compact4 => _v4.AsSpan(0, Count4 * PeerEndpoint.CompactV4Length);

    public ReadOnlySpan<byte> Compact6 => _v6.AsSpan(0, Count6 * PeerEndpoint.CompactV6Length);

    /// <summary>Whether the ids were filled in (the announce asked for them); without them <see cref="Ids4"/> and <see cref="Ids6"/> are empty.</summary>
    public bool HasIds { get; internal set; }

    /// <summary>Peer ids parallel to <see cref="Compact4"/>; empty unless <see cref="HasIds"/>.</summary>
    public ReadOnlySpan<byte> Ids4 => HasIds ? _ids4.AsSpan(0, Count4 * PeerId.Length) : default;

    public ReadOnlySpan<byte> Ids6 => HasIds ? _ids6.AsSpan(0, Count6 * PeerId.Length) : default;

    internal Span<byte> Compact4Buffer => _v4;

    internal Span<byte> Compact6Buffer => _v6;

    internal Span<byte> Ids4Buffer => _ids4;

    internal Span<byte> Ids6Buffer => _ids6;

    internal void Clear()
    {
        Count4 = 0;
        Count6 = 0;
        HasIds = false;
    }
}
