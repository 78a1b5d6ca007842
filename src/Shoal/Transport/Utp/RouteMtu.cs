using System.Net;
using System.Net.Sockets;

namespace Shoal.Transport.Utp;

/// <summary>
/// The MTU the kernel knows for the route to an address, without sending anything: a UDP socket is connected (which
/// only picks the route) and asked for IP_MTU / IPV6_MTU. That is the outgoing interface's MTU, or less once ICMP
/// "fragmentation needed" taught the kernel a smaller path MTU. Linux only; elsewhere, or on any error, null.
/// </summary>
internal static class RouteMtu
{
    private const int IpProtoIp = 0;
    private const int IpProtoIpv6 = 41;
    private const int IpMtu = 14;   // IP_MTU (linux/in.h)
    private const int Ipv6Mtu = 24; // IPV6_MTU (linux/in6.h)

    public static int? Query(IPEndPoint remote)
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            using var socket = new Socket(remote.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            socket.Connect(remote);
            bool v6 = remote.AddressFamily == AddressFamily.InterNetworkV6;
            Span<byte> value = stackalloc byte[sizeof(int)];
            int length = socket.GetRawSocketOption(v6 ? IpProtoIpv6 : IpProtoIp, v6 ? Ipv6Mtu : IpMtu, value);
            int mtu = length == sizeof(int) ? BitConverter.ToInt32(value) : 0;
            return mtu > 0 ? mtu : null;
        }
        catch (SocketException)
        {
            return null;
        }
    }

    /// <summary>The largest UDP payload a packet of <paramref name="mtu"/> bytes carries to <paramref name="remote"/>.</summary>
    public static int UdpPayload(int mtu, IPEndPoint remote) =>
        mtu - (remote.AddressFamily == AddressFamily.InterNetworkV6 ? 40 : 20) - 8;
}
