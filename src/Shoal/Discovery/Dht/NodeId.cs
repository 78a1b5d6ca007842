using System.Buffers.Binary;
using System.Numerics;
using Shoal.Metainfo;

namespace Shoal.Discovery.Dht;

/// <summary>
/// A 160-bit DHT key (BEP 5): a node id or an info-hash. Kept as three big-endian words so XOR distance, comparison
/// and prefix length are a few instructions and nothing is allocated.
/// </summary>
public readonly struct NodeId : IEquatable<NodeId>, IComparable<NodeId>
{
    public const int Length = 20;
    public const int Bits = 160;

    private readonly ulong _high;
    private readonly ulong _middle;
    private readonly uint _low;

    public NodeId(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length) throw new ArgumentException($"a node id is {Length} bytes, not {bytes.Length}", nameof(bytes));
        _high = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        _middle = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        _low = BinaryPrimitives.ReadUInt32BigEndian(bytes[16..]);
    }

    private NodeId(ulong high, ulong middle, uint low)
    {
        _high = high;
        _middle = middle;
        _low = low;
    }

    public static NodeId FromInfoHash(InfoHash infoHash) => new(infoHash.Span);

    public static NodeId Random(Random random)
    {
        Span<byte> bytes = stackalloc byte[Length];
        random.NextBytes(bytes);
        return new NodeId(bytes);
    }

    public static NodeId Parse(string hex) => new(Convert.FromHexString(hex));

    public void CopyTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _high);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _middle);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], _low);
    }

    public byte[] ToArray()
    {
        var bytes = new byte[Length];
        CopyTo(bytes);
        return bytes;
    }

    public static NodeId operator ^(NodeId x, NodeId y) => new(x._high ^ y._high, x._middle ^ y._middle, x._low ^ y._low);

    /// <summary>How many leading bits the two ids share (160 when equal): the routing-table bucket of one seen from the other.</summary>
    public int CommonPrefixLength(NodeId other)
    {
        var d = this ^ other;
        if (d._high != 0) return BitOperations.LeadingZeroCount(d._high);
        if (d._middle != 0) return 64 + BitOperations.LeadingZeroCount(d._middle);
        if (d._low != 0) return 128 + BitOperations.LeadingZeroCount(d._low);
        return Bits;
    }

    /// <summary>Negative when <paramref name="x"/> is closer to <paramref name="target"/> than <paramref name="y"/> (XOR metric).</summary>
    public static int CompareDistance(NodeId target, NodeId x, NodeId y) => (x ^ target).CompareTo(y ^ target);

    /// <summary>Bit <paramref name="index"/>, 0 being the most significant.</summary>
    public bool GetBit(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Bits);
        return index switch
        {
            < 64 => ((_high >> (63 - index)) & 1) != 0,
            < 128 => ((_middle >> (127 - index)) & 1) != 0,
            _ => ((_low >> (159 - index)) & 1) != 0,
        };
    }

    /// <summary>
    /// A random id sharing exactly the first <paramref name="prefixLength"/> bits with this one and differing at the
    /// next (or equal to it in all of them when <paramref name="prefixLength"/> is 160): a target inside one bucket.
    /// </summary>
    public NodeId RandomWithPrefix(int prefixLength, Random random, bool differAtNextBit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(prefixLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixLength, Bits);
        var noise = Random(random);
        var keep = PrefixMask(prefixLength);
        var result = new NodeId((_high & keep._high) | (noise._high & ~keep._high),
            (_middle & keep._middle) | (noise._middle & ~keep._middle), (_low & keep._low) | (noise._low & ~keep._low));
        if (!differAtNextBit || prefixLength == Bits) return result;
        bool mine = GetBit(prefixLength);
        return result.GetBit(prefixLength) == mine ? result ^ SingleBit(prefixLength) : result;
    }

    private static NodeId PrefixMask(int bits)
    {
        static ulong Top(int n) => n <= 0 ? 0 : n >= 64 ? ulong.MaxValue : ulong.MaxValue << (64 - n);
        return new NodeId(Top(bits), Top(bits - 64), (uint)(Top(bits - 128) >> 32));
    }

    private static NodeId SingleBit(int index) => index switch
    {
        < 64 => new NodeId(1UL << (63 - index), 0, 0),
        < 128 => new NodeId(0, 1UL << (127 - index), 0),
        _ => new NodeId(0, 0, 1U << (159 - index)),
    };

    public int CompareTo(NodeId other)
    {
        int c = _high.CompareTo(other._high);
        if (c != 0) return c;
        c = _middle.CompareTo(other._middle);
        return c != 0 ? c : _low.CompareTo(other._low);
    }

    public bool Equals(NodeId other) => _high == other._high && _middle == other._middle && _low == other._low;

    public override bool Equals(object? obj) => obj is NodeId other && Equals(other);

    // Ids are uniformly random (or SHA-1 outputs): any 32 bits make a good hash.
    public override int GetHashCode() => (int)_low ^ (int)(_high >> 32);

    public static bool operator ==(NodeId left, NodeId right) => left.Equals(right);

    public static bool operator !=(NodeId left, NodeId right) => !left.Equals(right);

    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Length];
        CopyTo(bytes);
        return Convert.ToHexStringLower(bytes);
    }
}
