using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Shoal.Client;

/// <summary>
/// Finds this machine's own addresses by enumerating its interfaces — never by sending a packet
/// (no "connect a UDP socket to 8.8.8.8" trick), so it is safe anywhere, tests included, and works on a LAN
/// with no route to the internet.
/// </summary>
public static class LocalAddresses
{
    /// <summary>One address of one interface: what <see cref="Choose"/> needs to know about it.</summary>
    public readonly record struct InterfaceAddress(string Interface, OperationalStatus Status, bool IsLoopbackInterface, bool HasDefaultGateway,
        IPAddress Address);

    /// <summary>
    /// The primary non-loopback IPv4 address (what <c>--announce-ip auto</c> announces): see <see cref="Choose"/>; null when there is none.
    /// </summary>
    public static IPAddress? Primary() => Choose(Enumerate());

    /// <summary>Every address of every interface, in the order the system lists them.</summary>
    public static IEnumerable<InterfaceAddress> Enumerate() =>
        from nic in NetworkInterface.GetAllNetworkInterfaces()
        let props = nic.GetIPProperties()
        let gateway = props.GatewayAddresses.Any(g => !g.Address.Equals(IPAddress.Any) && !g.Address.Equals(IPAddress.IPv6Any))
        from unicast in props.UnicastAddresses
        select new InterfaceAddress(nic.Name, nic.OperationalStatus, nic.NetworkInterfaceType == NetworkInterfaceType.Loopback, gateway, unicast.Address);

    /// <summary>
    /// Picks the address other machines on the LAN most likely reach us at: IPv4, not loopback or link-local (169.254/16),
    /// on an interface that is up (or reports no state, as tunnels do); preferring the interface with a default gateway
    /// (the LAN-facing one), then real interfaces over container/VM bridges, then interfaces known to be up; ties keep
    /// the system's order. Null when nothing qualifies.
    /// </summary>
    public static IPAddress? Choose(IEnumerable<InterfaceAddress> addresses) =>
        addresses
            .Where(a => a.Status is OperationalStatus.Up or OperationalStatus.Unknown && !a.IsLoopbackInterface &&
                        a.Address.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a.Address) && !IsLinkLocal(a.Address))
            .OrderByDescending(a => a.HasDefaultGateway)
            .ThenBy(a => IsVirtual(a.Interface))
            .ThenBy(a => a.Status != OperationalStatus.Up)
            .Select(a => a.Address)
            .FirstOrDefault();

    private static bool IsLinkLocal(IPAddress address) => address.GetAddressBytes() is [169, 254, ..];

    // Container and VM bridges rarely are what other machines on the LAN can reach.
    private static bool IsVirtual(string name) =>
        name.StartsWith("docker", StringComparison.Ordinal) || name.StartsWith("br-", StringComparison.Ordinal) ||
        name.StartsWith("veth", StringComparison.Ordinal) || name.StartsWith("virbr", StringComparison.Ordinal);
}
