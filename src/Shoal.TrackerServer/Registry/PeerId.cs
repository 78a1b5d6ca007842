using System.Runtime.CompilerServices;

namespace Shoal.TrackerServer.Registry;

/// <summary>A peer's self-chosen 20-byte id, stored inline (no object per peer).</summary>
[InlineArray(Length)]
public struct PeerId : IEquatable<PeerId>
{
    public const int Length = 20;

    private byte _element;

    public static PeerId From(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length) throw new ArgumentException($"a peer id is {Length} bytes, not {bytes.Length}", nameof(bytes));
        var id = default(PeerId);
        bytes.CopyTo(id);
        return id;
    }

    public readonly bool Equals(PeerId other) => ((ReadOnlySpan<byte>)this).SequenceEqual(other);

    public override readonly bool Equals(object? obj) => obj is PeerId other && Equals(other);

    // Randomised per process (HashCode's seed), so crafted ids cannot pile into one index bucket.
    public override readonly int GetHashCode()
    {
        ReadOnlySpan<byte> span = this;
        var hash = new HashCode();
        hash.AddBytes(span);
        return hash.ToHashCode();
    }

    public override readonly string ToString() => Convert.ToHexStringLower(this);
}
