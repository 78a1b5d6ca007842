using System.Net;
using System.Net.Sockets;

namespace Shoal.Swarm.WebSeeds;

/// <summary>
/// Addresses a web seed from a torrent found elsewhere must not make us contact: this machine, the local networks and
/// anything not routable. A .torrent from a stranger pointing at http://192.168.1.1/… would otherwise make Shoal send
/// requests to the user's router.
/// </summary>
public static class PrivateAddresses
{
    public static bool IsPrivate(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            Span<byte> b = stackalloc byte[4];
            address.TryWriteBytes(b, out _);
            return b[0] is 0 or 10 or 127 || b[0] >= 224                     // this network, private, loopback, multicast and reserved
                || (b[0] == 100 && (b[1] & 0xC0) == 64)                        // 100.64.0.0/10 carrier-grade NAT
                || (b[0] == 169 && b[1] == 254)                                // link-local
                || (b[0] == 172 && (b[1] & 0xF0) == 16)                        // 172.16.0.0/12
                || (b[0] == 192 && b[1] == 168);                               // 192.168.0.0/16
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return true;
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.IPv6None) || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal
            || address.IsIPv6Multicast || address.IsIPv6UniqueLocal)
            return true;
        Span<byte> v6 = stackalloc byte[16];
        address.TryWriteBytes(v6, out _);
        // ::ffff:0:0/96 handled above; 64:ff9b::/96 NAT64 and 2002::/16 6to4 can embed private IPv4 addresses.
        if (v6[0] == 0x20 && v6[1] == 0x02) return IsPrivate(new IPAddress(v6.Slice(2, 4)));
        if (v6[..12].SequenceEqual((ReadOnlySpan<byte>)[0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0])) return IsPrivate(new IPAddress(v6.Slice(12, 4)));
        return false;
    }
}
