using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Shoal.Discovery;

/// <summary>A network interface LSD uses for one address family: its index and the local address to send from.</summary>
public sealed record LsdInterface(string Name, int Index, IPAddress Address);

/// <summary>Chooses the interfaces LSD may use: the one holding the bind address, or all non-loopback multicast ones.</summary>
internal static class LsdInterfaces
{
    public static IReadOnlyList<LsdInterface> Select(IPAddress? bindAddress, AddressFamily family)
    {
        bool any = bindAddress is null || bindAddress.Equals(IPAddress.Any) || bindAddress.Equals(IPAddress.IPv6Any);
        if (bindAddress is not null && !any && bindAddress.IsIPv4MappedToIPv6) bindAddress = bindAddress.MapToIPv4();
        var result = new List<LsdInterface>();
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.OperationalStatus is not (OperationalStatus.Up or OperationalStatus.Unknown)) continue;
            if (nic.NetworkInterfaceType == NetworkInterfaceType.Loopback || !nic.SupportsMulticast) continue;
            var properties = nic.GetIPProperties();
            var addresses = properties.UnicastAddresses.Select(u => u.Address).ToList();
            if (!any && !addresses.Any(a => a.Equals(bindAddress))) continue;
            var address = addresses.Where(a => a.AddressFamily == family && !IPAddress.IsLoopback(a))
                .OrderByDescending(a => family == AddressFamily.InterNetworkV6 && a.IsIPv6LinkLocal) // link-local reaches ff15:: peers on the link
                .FirstOrDefault();
            if (address is null) continue;
            int index;
            try
            {
                index = family == AddressFamily.InterNetwork
                    ? properties.GetIPv4Properties()?.Index ?? -1
                    : properties.GetIPv6Properties()?.Index ?? -1;
            }
            catch (NetworkInformationException)
            {
                continue; // the family is not enabled on this interface
            }
            if (index < 0) continue;
            result.Add(new LsdInterface(nic.Name, index, address));
        }
        return result;
    }
}
