using System.Net;
using Shoal.Tests.Support;

namespace Shoal.EndToEnd.Tests.Discovery;

/// <summary>
/// A private network made of Linux network namespaces: N host namespaces, each with one veth interface ("eth0",
/// 10.77.X.i/24 and an IPv6 link-local address), all plugged into a bridge that lives in a namespace of its own.
/// Nothing is created in (or can leak into) the machine's own namespace. Needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN).
/// </summary>
internal sealed class NetnsLab : IDisposable
{
    private readonly List<string> _created = [];
    private readonly string _bridge;
    private readonly int _subnet;

    private NetnsLab(int hosts)
    {
        string id = Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.Next()));
        _subnet = Random.Shared.Next(1, 255);
        _bridge = $"shoal-{id}-br";
        Hosts = Enumerable.Range(1, hosts).Select(i => $"shoal-{id}-h{i}").ToList();
    }

    /// <summary>The host namespaces' names.</summary>
    public IReadOnlyList<string> Hosts { get; }

    /// <summary>The IPv4 address of host <paramref name="index"/> (0-based).</summary>
    public IPAddress AddressOf(int index) => IPAddress.Parse($"10.77.{_subnet}.{index + 1}");

    /// <summary>Builds the lab, or returns null with the reason it cannot be built here.</summary>
    public static NetnsLab? TryCreate(int hosts, out string? why)
    {
        why = null;
        if (ReferencePrograms.Find("ip") is null)
        {
            why = "the 'ip' command (iproute2) is not installed";
            return null;
        }
        var lab = new NetnsLab(hosts);
        try
        {
            lab.Build();
            return lab;
        }
        catch (InvalidOperationException ex)
        {
            why = $"network namespaces cannot be created here (needs root): {ex.Message.Split('\n')[0]}";
            lab.Dispose();
            return null;
        }
    }

    /// <summary>The command line prefix that runs a program inside host <paramref name="index"/>.</summary>
    public IReadOnlyList<string> Exec(int index) => ["netns", "exec", Hosts[index]];

    private void Build()
    {
        AddNamespace(_bridge);
        Ip("-n", _bridge, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0");
        Ip("-n", _bridge, "link", "set", "br0", "up");
        for (int i = 0; i < Hosts.Count; i++)
        {
            var host = Hosts[i];
            AddNamespace(host);
            // No duplicate address detection: the link-local address is usable at once (there are only two hosts).
            Ip("netns", "exec", host, "sysctl", "-q", "-w", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0");
            Ip("-n", host, "link", "add", "eth0", "type", "veth", "peer", "name", $"h{i + 1}", "netns", _bridge);
            Ip("-n", _bridge, "link", "set", $"h{i + 1}", "master", "br0");
            Ip("-n", _bridge, "link", "set", $"h{i + 1}", "up");
            Ip("-n", host, "addr", "add", $"{AddressOf(i)}/24", "dev", "eth0");
            Ip("-n", host, "link", "set", "eth0", "up");
            Ip("-n", host, "route", "add", "224.0.0.0/4", "dev", "eth0");
        }
    }

    private void AddNamespace(string name)
    {
        Ip("netns", "add", name);
        _created.Add(name);
        Ip("-n", name, "link", "set", "lo", "up");
    }

    private static void Ip(params string[] args) =>
        ProcessRunner.Run("ip", args, TimeSpan.FromSeconds(20)).EnsureSuccess($"ip {string.Join(' ', args)}");

    public void Dispose()
    {
        // Deleting a namespace destroys its end of each veth pair, and with it the other end.
        foreach (var name in Enumerable.Reverse(_created))
        {
            try { ProcessRunner.Run("ip", ["netns", "del", name], TimeSpan.FromSeconds(20)); }
            catch (TimeoutException) { }
        }
    }
}
