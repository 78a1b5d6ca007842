using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Numerics;

namespace Shoal.Discovery.Dht;

/// <summary>
/// BEP 42: node ids tied to the node's external IP, so nobody can pick ids next to an info-hash at will.
/// The first 21 bits of the id are the CRC32C of the masked address (with a 3-bit random number r mixed in), and
/// the last byte carries r. Addresses on local networks are exempt.
/// </summary>
internal static class SecureNodeId
{
    private static readonly byte[] V4Mask = [0x03, 0x0f, 0x3f, 0xff];
    private static readonly byte[] V6Mask = [0x01, 0x03, 0x07, 0x0f, 0x1f, 0x3f, 0x7f, 0xff];

    /// <summary>A conforming id for <paramref name="externalAddress"/>, random everywhere BEP 42 leaves it free.</summary>
    public static NodeId Generate(IPAddress externalAddress, Random random)
    {
        Span<byte> id = stackalloc byte[NodeId.Length];
        random.NextBytes(id);
        uint crc = Prefix(externalAddress, id[19]);
        id[0] = (byte)(crc >> 24);
        id[1] = (byte)(crc >> 16);
        id[2] = (byte)(((crc >> 8) & 0xf8) | (id[2] & 0x07u));
        return new NodeId(id);
    }

    /// <summary>Whether <paramref name="id"/> is one a node at <paramref name="address"/> may use (always true for local addresses).</summary>
    public static bool IsConforming(NodeId id, IPAddress address)
    {
        if (IsExempt(address)) return true;
        Span<byte> bytes = stackalloc byte[NodeId.Length];
        id.CopyTo(bytes);
        uint crc = Prefix(address, bytes[19]);
        return bytes[0] == (byte)(crc >> 24) && bytes[1] == (byte)(crc >> 16) && (bytes[2] & 0xf8) == ((crc >> 8) & 0xf8);
    }

    /// <summary>BEP 42's exemptions: 10/8, 172.16/12, 192.168/16, 169.254/16, 127/8 — and likewise IPv6 loopback, link- and site-local, ULA.</summary>
    public static bool IsExempt(IPAddress address)
    {
        address = CompactInfo.Normalize(address);
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            Span<byte> b = stackalloc byte[4];
            address.TryWriteBytes(b, out _);
            return b[0] == 10 || b[0] == 127 || (b[0] == 172 && (b[1] & 0xf0) == 16) || (b[0] == 192 && b[1] == 168)
                || (b[0] == 169 && b[1] == 254);
        }
        if (IPAddress.IsLoopback(address) || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal) return true;
        return false;
    }

    /// <summary>CRC32C of the masked address with r's low 3 bits in the top of its first byte (BEP 42).</summary>
    private static uint Prefix(IPAddress address, byte r)
    {
        address = CompactInfo.Normalize(address);
        Span<byte> ip = stackalloc byte[16];
        address.TryWriteBytes(ip, out int length);
        var mask = length == 4 ? V4Mask : V6Mask;
        for (int i = 0; i < mask.Length; i++) ip[i] &= mask[i];
        ip[0] |= (byte)((r & 0x7) << 5);
        uint crc = ~0u;
        if (length == 4) crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt32LittleEndian(ip));
        else crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(ip));
        return ~crc;
    }
}
