using System.Numerics;

namespace Shoal.Storage;

/// <summary>
/// One bit per piece. Stored directly in the BEP 3 wire format (the high bit of byte 0 is piece 0), so sending a
/// bitfield is a copy. Not synchronised: the owner serialises writers; concurrent readers see each bit either
/// before or after a write, never torn.
/// </summary>
public sealed class Bitfield : IEquatable<Bitfield>
{
    private readonly byte[] _bytes;

    public Bitfield(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Count = count;
        _bytes = new byte[WireLengthFor(count)];
    }

    private Bitfield(int count, byte[] bytes, int setCount)
    {
        Count = count;
        _bytes = bytes;
        SetCount = setCount;
    }

    /// <summary>Number of pieces (bits).</summary>
    public int Count { get; }

    /// <summary>Number of bits set.</summary>
    public int SetCount { get; private set; }

    public bool IsComplete => SetCount == Count;

    public bool IsEmpty => SetCount == 0;

    /// <summary>Bytes on the wire: ceil(Count / 8).</summary>
    public int WireLength => _bytes.Length;

    /// <summary>The bits in wire format; spare bits of the last byte are always zero.</summary>
    public ReadOnlySpan<byte> WireBytes => _bytes;

    public static int WireLengthFor(int count) => (int)(((long)count + 7) / 8);

    public bool this[int index]
    {
        get
        {
            CheckIndex(index);
            return (_bytes[index >> 3] & Mask(index)) != 0;
        }
        set
        {
            CheckIndex(index);
            ref byte b = ref _bytes[index >> 3];
            byte mask = Mask(index);
            bool was = (b & mask) != 0;
            if (was == value) return;
            b = value ? (byte)(b | mask) : (byte)(b & ~mask);
            SetCount += value ? 1 : -1;
        }
    }

    /// <summary>
    /// Reads a bitfield received from a peer (or a file). False when the length is not ceil(count/8) or any spare
    /// bit past <paramref name="count"/> is set (BEP 3: such a peer should be dropped).
    /// </summary>
    public static bool TryFromWire(ReadOnlySpan<byte> bytes, int count, out Bitfield? bitfield)
    {
        bitfield = null;
        if (count < 0 || bytes.Length != WireLengthFor(count)) return false;
        int spare = bytes.Length * 8 - count;
        if (spare > 0 && (bytes[^1] & ((1 << spare) - 1)) != 0) return false;
        int set = 0;
        foreach (byte b in bytes) set += BitOperations.PopCount(b);
        bitfield = new Bitfield(count, bytes.ToArray(), set);
        return true;
    }

    public void CopyTo(Span<byte> wire)
    {
        if (wire.Length < _bytes.Length) throw new ArgumentException($"need {_bytes.Length} bytes, got {wire.Length}", nameof(wire));
        _bytes.CopyTo(wire);
    }

    public byte[] ToWire() => (byte[])_bytes.Clone();

    /// <summary>Index of the first clear bit at or after <paramref name="start"/>, or -1 if none.</summary>
    public int FirstClear(int start = 0) => Find(start, wantSet: false);

    /// <summary>Index of the first set bit at or after <paramref name="start"/>, or -1 if none.</summary>
    public int FirstSet(int start = 0) => Find(start, wantSet: true);

    public Bitfield Clone() => new(Count, (byte[])_bytes.Clone(), SetCount);

    public void SetAll()
    {
        _bytes.AsSpan().Fill(0xFF);
        int spare = _bytes.Length * 8 - Count;
        if (spare > 0) _bytes[^1] &= (byte)(0xFF << spare);
        SetCount = Count;
    }

    public void ClearAll()
    {
        Array.Clear(_bytes);
        SetCount = 0;
    }

    /// <summary>Copies every bit of <paramref name="other"/> (same count) into this bitfield.</summary>
    public void CopyFrom(Bitfield other)
    {
        CheckSameCount(other);
        other._bytes.CopyTo(_bytes, 0);
        SetCount = other.SetCount;
    }

    /// <summary>True when every bit set here is also set in <paramref name="other"/> (e.g. "the peer has nothing we lack").</summary>
    public bool IsSubsetOf(Bitfield other)
    {
        CheckSameCount(other);
        for (int i = 0; i < _bytes.Length; i++)
        {
            if ((_bytes[i] & ~other._bytes[i]) != 0) return false;
        }
        return true;
    }

    public bool Equals(Bitfield? other) => other is not null && other.Count == Count && other._bytes.AsSpan().SequenceEqual(_bytes);

    public override bool Equals(object? obj) => Equals(obj as Bitfield);

    public override int GetHashCode() => HashCode.Combine(Count, SetCount);

    public override string ToString() => $"{SetCount}/{Count}";

    private int Find(int start, bool wantSet)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        // Finish the first byte bit by bit, skip whole bytes that cannot match, then finish bit by bit.
        int firstByteEnd = Math.Min(Count, (start | 7) + 1);
        for (int i = start; i < firstByteEnd; i++)
        {
            if (BitAt(i) == wantSet) return i;
        }
        int next = firstByteEnd >> 3;
        if (firstByteEnd >= Count) return -1;
        int found = _bytes.AsSpan(next).IndexOfAnyExcept(wantSet ? (byte)0x00 : (byte)0xFF);
        if (found < 0) return -1;
        for (int i = (next + found) << 3; i < Count; i++)
        {
            if (BitAt(i) == wantSet) return i;
        }
        return -1;
    }

    private bool BitAt(int index) => (_bytes[index >> 3] & Mask(index)) != 0;

    private static byte Mask(int index) => (byte)(0x80 >> (index & 7));

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"piece index must be below {Count}");
    }

    private void CheckSameCount(Bitfield other)
    {
        if (other.Count != Count) throw new ArgumentException($"bitfields differ in size ({Count} vs {other.Count})", nameof(other));
    }
}
