using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Shoal.TrackerServer.Registry;

namespace Shoal.TrackerServer.Udp;

/// <summary>
/// Reads the sender out of a <see cref="SocketAddress"/> without allocating an <see cref="IPEndPoint"/>: sockaddr_in keeps
/// the port at offset 2 and the IPv4 address at 4; sockaddr_in6 the port at 2 and the address at 8.
/// </summary>
internal static class SocketAddressReader
{
    public static bool TryRead(SocketAddress address, out PeerEndpoint endpoint)
    {
        var buffer = address.Buffer.Span;
        endpoint = default;
        switch (address.Family)
        {
            case AddressFamily.InterNetwork when buffer.Length >= 8:
                endpoint = PeerEndpoint.FromAddress(buffer.Slice(4, 4), BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]));
                return true;
            case AddressFamily.InterNetworkV6 when buffer.Length >= 24:
                endpoint = PeerEndpoint.FromAddress(buffer.Slice(8, 16), BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]));
                return true;
            default:
                return false;
        }
    }
}
