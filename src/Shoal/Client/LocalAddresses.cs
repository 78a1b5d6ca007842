using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Shoal.Client;

/// <summary>
/// Finds this machine's own addresses by enumerating its interfaces — never by sending a packet
/// (no "connect a UDP socket to 8.8.8.8" trick), so it is safe anywhere, tests included.
/// </summary>
public static class LocalAddresses
{
    /// <summary>
    /// The primary non-loopback IPv4 address: on an interface that is up, preferring one with a default gateway
    /// (the LAN-facing one) over virtual bridges; null when there is none.
    /// </summary>
    public static IPAddress? Primary()
    {
        var candidates =
            from nic in NetworkInterface.GetAllNetworkInterfaces()
            where nic.OperationalStatus == OperationalStatus.Up && nic.NetworkInterfaceType != NetworkInterfaceType.Loopback
            let props = nic.GetIPProperties()
            from unicast in props.UnicastAddresses
            let address = unicast.Address
            where address.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(address) && !IsLinkLocal(address)
            orderby props.GatewayAddresses.Any(g => !g.Address.Equals(IPAddress.Any)) descending, IsVirtual(nic.Name)
            select address;
        return candidates.FirstOrDefault();
    }

    private static bool IsLinkLocal(IPAddress address) => address.GetAddressBytes() is [169, 254, ..];

    // Container and VM bridges rarely are what other machines on the LAN can reach.
    private static bool IsVirtual(string name) =>
        name.StartsWith("docker", StringComparison.Ordinal) || name.StartsWith("br-", StringComparison.Ordinal) ||
        name.StartsWith("veth", StringComparison.Ordinal) || name.StartsWith("virbr", StringComparison.Ordinal);
}
