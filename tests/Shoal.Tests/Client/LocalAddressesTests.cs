using System.Net;
using System.Net.NetworkInformation;
using Shoal.Client;
using static Shoal.Client.LocalAddresses;

namespace Shoal.Tests.Client;

/// <summary>How `--announce-ip auto` picks this machine's LAN address from its interfaces.</summary>
public sealed class LocalAddressesTests
{
    private static InterfaceAddress Nic(string name, string address, bool gateway = false, OperationalStatus status = OperationalStatus.Up,
        bool loopback = false) => new(name, status, loopback, gateway, IPAddress.Parse(address));

    private static readonly InterfaceAddress Loopback = Nic("lo", "127.0.0.1", loopback: true);

    [Fact]
    public void The_interface_with_the_default_gateway_wins()
    {
        var chosen = Choose([Loopback, Nic("eth1", "10.0.0.5"), Nic("wlan0", "192.168.1.20", gateway: true), Nic("eth2", "172.16.0.9")]);
        Assert.Equal(IPAddress.Parse("192.168.1.20"), chosen);
    }

    [Fact]
    public void Container_and_vm_bridges_come_after_real_interfaces()
    {
        var chosen = Choose([Nic("docker0", "172.17.0.1"), Nic("br-1a2b", "172.18.0.1"), Nic("virbr0", "192.168.122.1"),
            Nic("veth12", "10.1.0.1"), Nic("enp3s0", "192.168.1.7")]);
        Assert.Equal(IPAddress.Parse("192.168.1.7"), chosen);
    }

    [Fact]
    public void A_bridge_is_still_better_than_nothing()
    {
        Assert.Equal(IPAddress.Parse("172.17.0.1"), Choose([Loopback, Nic("docker0", "172.17.0.1")]));
    }

    [Fact]
    public void Loopback_link_local_ipv6_and_down_interfaces_never_qualify()
    {
        var chosen = Choose([
            Loopback,
            Nic("lo:1", "127.0.0.2"),
            Nic("eth0", "169.254.10.20", gateway: true),
            Nic("eth0", "fe80::1", gateway: true),
            Nic("eth1", "2001:db8::5", gateway: true),
            Nic("eth2", "10.9.8.7", gateway: true, status: OperationalStatus.Down),
        ]);
        Assert.Null(chosen);
    }

    [Fact]
    public void A_tunnel_without_operational_state_counts_but_after_interfaces_that_are_up()
    {
        Assert.Equal(IPAddress.Parse("100.64.0.3"), Choose([Nic("wg0", "100.64.0.3", status: OperationalStatus.Unknown)]));
        Assert.Equal(IPAddress.Parse("10.77.0.2"), Choose([Nic("wg0", "100.64.0.3", status: OperationalStatus.Unknown), Nic("eth0", "10.77.0.2")]));
    }

    [Fact]
    public void Ties_keep_the_order_the_system_lists_interfaces_in()
    {
        Assert.Equal(IPAddress.Parse("10.0.0.1"), Choose([Nic("eth0", "10.0.0.1"), Nic("eth1", "10.0.0.2")]));
        Assert.Equal(IPAddress.Parse("10.0.0.2"), Choose([Nic("eth1", "10.0.0.2"), Nic("eth0", "10.0.0.1")]));
    }

    [Fact]
    public void On_this_machine_the_answer_is_one_of_its_own_ipv4_addresses_or_none()
    {
        var own = Enumerate().ToList();
        var primary = Primary();
        if (primary is not null) Assert.Contains(own, a => a.Address.Equals(primary) && !a.IsLoopbackInterface);
        Assert.Equal(Choose(own), primary);
    }
}
