using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Shoal.Discovery.Dht;

/// <summary>A node as other nodes describe it: its id and the UDP endpoint it answers on.</summary>
public readonly record struct NodeContact(NodeId Id, IPEndPoint EndPoint);

/// <summary>
/// The compact forms of BEP 5 and BEP 32: peers as 6 bytes (IPv4 + port) or 18 bytes (IPv6 + port), nodes as the
/// 20-byte id followed by those (26 or 38 bytes). Everything big-endian.
/// </summary>
internal static class CompactInfo
{
    public const int PeerV4Length = 6;
    public const int PeerV6Length = 18;
    public const int NodeV4Length = NodeId.Length + PeerV4Length;
    public const int NodeV6Length = NodeId.Length + PeerV6Length;

    public static int PeerLength(AddressFamily family) => family == AddressFamily.InterNetworkV6 ? PeerV6Length : PeerV4Length;

    public static int NodeLength(AddressFamily family) => NodeId.Length + PeerLength(family);

    /// <summary>Reads a 6- or 18-byte compact endpoint; false for any other length or port 0.</summary>
    public static bool TryReadEndPoint(ReadOnlySpan<byte> bytes, out IPEndPoint endPoint)
    {
        endPoint = null!;
        if (bytes.Length is not (PeerV4Length or PeerV6Length)) return false;
        int port = BinaryPrimitives.ReadUInt16BigEndian(bytes[^2..]);
        if (port == 0) return false;
        endPoint = new IPEndPoint(new IPAddress(bytes[..^2]), port);
        return true;
    }

    /// <summary>Writes the compact form (6 bytes for IPv4 and IPv4-mapped addresses, else 18) and returns its length.</summary>
    public static int WriteEndPoint(IPEndPoint endPoint, Span<byte> destination)
    {
        var address = Normalize(endPoint.Address);
        if (!address.TryWriteBytes(destination, out int written)) throw new ArgumentException("destination too small", nameof(destination));
        BinaryPrimitives.WriteUInt16BigEndian(destination[written..], (ushort)endPoint.Port);
        return written + 2;
    }

    /// <summary>
    /// Reads whole compact node entries (26 bytes each for IPv4, 38 for IPv6) into <paramref name="into"/>, at most
    /// <paramref name="max"/> of them, skipping entries no node could have sent from (port 0, unspecified, multicast or
    /// broadcast addresses, IPv4-mapped IPv6). False when the length is not a whole number of entries.
    /// </summary>
    public static bool TryReadNodes(ReadOnlySpan<byte> bytes, AddressFamily family, List<NodeContact> into, int max)
    {
        int entry = NodeLength(family);
        if (bytes.Length % entry != 0) return false;
        for (int offset = 0; offset < bytes.Length && into.Count < max; offset += entry)
        {
            var slice = bytes.Slice(offset, entry);
            if (!TryReadEndPoint(slice[NodeId.Length..], out var endPoint) || !IsUsableNodeAddress(endPoint.Address)) continue;
            into.Add(new NodeContact(new NodeId(slice[..NodeId.Length]), endPoint));
        }
        return true;
    }

    /// <summary>Writes one compact node entry and returns its length.</summary>
    public static int WriteNode(NodeContact node, Span<byte> destination)
    {
        node.Id.CopyTo(destination);
        return NodeId.Length + WriteEndPoint(node.EndPoint, destination[NodeId.Length..]);
    }

    /// <summary>An address a DHT node can have: unicast, not unspecified, not an IPv4-mapped IPv6 form.</summary>
    public static bool IsUsableNodeAddress(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            Span<byte> b = stackalloc byte[4];
            address.TryWriteBytes(b, out _);
            return b[0] != 0 && b[0] < 224; // 0.x, multicast (224/4), reserved and broadcast (240/4)
        }
        return !address.IsIPv4MappedToIPv6 && !address.Equals(IPAddress.IPv6Any) && !address.IsIPv6Multicast;
    }

    public static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    public static AddressFamily FamilyOf(IPEndPoint endPoint) => Normalize(endPoint.Address).AddressFamily;
}
