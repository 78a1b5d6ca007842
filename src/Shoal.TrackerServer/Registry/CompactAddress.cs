using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Shoal.Wire;

namespace Shoal.TrackerServer.Registry;

/// <summary>A compact peer address (address bytes then big-endian port) of a fixed size, stored inline in a peer slot.</summary>
internal interface ICompactAddress<TSelf> where TSelf : unmanaged, ICompactAddress<TSelf>
{
    /// <summary>Bytes in all: the address, then 2 of port.</summary>
    static abstract int Size { get; }

    /// <summary>
    /// The leading bytes that name one source: the whole IPv4 address, but only the /64 of an IPv6 one, since anyone
    /// given an IPv6 network gets at least a /64 and can send from any address in it.
    /// </summary>
    static abstract int SourceLength { get; }
}

internal static class CompactAddress
{
    public static ReadOnlySpan<byte> Bytes<T>(ref readonly T address) where T : unmanaged, ICompactAddress<T> =>
        MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in address));

    /// <summary>The address without the port.</summary>
    public static ReadOnlySpan<byte> Ip<T>(ref readonly T address) where T : unmanaged, ICompactAddress<T> => Bytes(in address)[..(T.Size - 2)];

    /// <summary>The part of the address that names its source (see <see cref="ICompactAddress{TSelf}.SourceLength"/>).</summary>
    public static ReadOnlySpan<byte> Source<T>(ref readonly T address) where T : unmanaged, ICompactAddress<T> => Bytes(in address)[..T.SourceLength];

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
    public static int SourceLength => 4;
}

/// <summary>IPv6 address + port, 18 bytes (BEP 7).</summary>
[InlineArray(18)]
internal struct Compact6 : ICompactAddress<Compact6>
{
    private byte _element;
    public static int Size => 18;
    public static int SourceLength => 8;
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
