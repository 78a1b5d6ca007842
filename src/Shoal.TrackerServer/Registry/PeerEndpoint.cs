using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Shoal.TrackerServer.Registry;

/// <summary>
/// A peer's address and port in BitTorrent's compact form: 6 bytes for IPv4, 18 for IPv6 (address then big-endian port).
/// IPv4-mapped IPv6 addresses are normalised to IPv4 so dual-stack sockets file peers in the right swarm half.
/// </summary>
public readonly struct PeerEndpoint : IEquatable<PeerEndpoint>
{
    public const int CompactV4Length = 6;
    public const int CompactV6Length = 18;

    private readonly Compact6 _bytes;

    public bool IsIPv6 { get; }

    public ushort Port => BinaryPrimitives.ReadUInt16BigEndian(IsIPv6 ? ((ReadOnlySpan<byte>)_bytes)[16..] : ((ReadOnlySpan<byte>)_bytes)[4..]);

    /// <summary>The compact bytes (6 or 18).</summary>
    [System.Diagnostics.CodeAnalysis.UnscopedRef]
    public ReadOnlySpan<byte> Compact => ((ReadOnlySpan<byte>)_bytes)[..(IsIPv6 ? CompactV6Length : CompactV4Length)];

    private PeerEndpoint(ReadOnlySpan<byte> address, ushort port)
    {
        IsIPv6 = address.Length == 16;
        Span<byte> span = _bytes;
        address.CopyTo(span);
        BinaryPrimitives.WriteUInt16BigEndian(span[address.Length..], port);
    }

    /// <summary>From raw address bytes (4 or 16; a v4-mapped v6 address becomes IPv4).</summary>
    public static PeerEndpoint FromAddress(ReadOnlySpan<byte> address, ushort port)
    {
        if (address.Length == 16 && IsV4Mapped(address)) address = address[12..];
        if (address.Length is not (4 or 16)) throw new ArgumentException("an address is 4 or 16 bytes", nameof(address));
        return new PeerEndpoint(address, port);
    }

    /// <summary>From an IPv4 address as a big-endian 32-bit number (BEP 15's IP field).</summary>
    public static PeerEndpoint FromIPv4(uint address, ushort port)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, address);
        return new PeerEndpoint(bytes, port);
    }

    public static PeerEndpoint FromIPAddress(IPAddress address, ushort port)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out int written)) throw new ArgumentException("unsupported address", nameof(address));
        return FromAddress(bytes[..written], port);
    }

    public PeerEndpoint WithPort(ushort port) => new(Address, port);

    /// <summary>The address bytes (4 or 16).</summary>
    [System.Diagnostics.CodeAnalysis.UnscopedRef]
    public ReadOnlySpan<byte> Address => ((ReadOnlySpan<byte>)_bytes)[..(IsIPv6 ? 16 : 4)];

    public IPAddress ToIPAddress() => new(Address);

    public IPEndPoint ToIPEndPoint() => new(ToIPAddress(), Port);

    public bool IsLoopback => IsIPv6 ? Address.SequenceEqual(IPAddress.IPv6Loopback.GetAddressBytes()) : Address[0] == 127;

    public AddressFamily Family => IsIPv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;

    public static bool IsV4Mapped(ReadOnlySpan<byte> address16) =>
        address16[..10].IndexOfAnyExcept((byte)0) < 0 && address16[10] == 0xFF && address16[11] == 0xFF;

    public bool Equals(PeerEndpoint other) => IsIPv6 == other.IsIPv6 && Compact.SequenceEqual(other.Compact);

    public override bool Equals(object? obj) => obj is PeerEndpoint other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(Compact);
        return hash.ToHashCode();
    }

    public override string ToString() => ToIPEndPoint().ToString();

    [InlineArray(CompactV6Length)]
    private struct Compact6
    {
        private byte _element;
    }
}
