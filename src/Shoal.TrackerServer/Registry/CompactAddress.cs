using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Shoal.Wire;

namespace Shoal.TrackerServer.Registry;

/// <summary>A compact peer address (address bytes then big-endian port) of a fixed size, stored inline in a peer slot.</summary>
internal interface ICompactAddress<TSelf> where TSelf : unmanaged, ICompactAddress<TSelf>
{
    static abstract int Size { get; }
}

internal static class CompactAddress
{
    public static ReadOnlySpan<byte> Bytes<T>(ref readonly T address) where T : unmanaged, ICompactAddress<T> =>
        MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in address));

    public static T From<T>(ReadOnlySpan<byte> compact) where T : unmanaged, ICompactAddress<T>
    {
        var value = default(T);
        compact.CopyTo(MemoryMarshal.AsBytes(new Span<T>(ref value)));
        return value;
    }
}

/// <summary>IPv4 address + port, 6 bytes (BEP 23).</summary>
[InlineArray(6)]
internal struct Compact4 : ICompactAddress<Compact4>
{
    private byte _element;
    public static int Size => 6;
}

/// <summary>IPv6 address + port, 18 bytes (BEP 7).</summary>
[InlineArray(18)]
internal struct Compact6 : ICompactAddress<Compact6>
{
    private byte _element;
    public static int Size => 18;
}

/// <summary>
/// One registered peer: id, compact address, last-announce second. 30 bytes for IPv4 (Pack = 2 keeps the padding out).
/// Whether it seeds is not stored: <see cref="PeerList{TAddress}"/> keeps leechers and seeders in two partitions.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 2)]
internal struct PeerSlot<TAddress> where TAddress : unmanaged, ICompactAddress<TAddress>
{
    public PeerId Id;
    public TAddress Address;
    public int LastSeen;
}
