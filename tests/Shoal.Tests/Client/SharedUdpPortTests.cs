using System.Net;
using System.Net.Sockets;
using Shoal.Client;
using Shoal.Swarm;

namespace Shoal.Tests.Client;

/// <summary>The DHT and uTP share one UDP port with the TCP listener's number, as peers expect (BEP 5's PORT, BEP 29).</summary>
public sealed class SharedUdpPortTests
{
    private static ClientOptions Options(int port, int searchRange = 0) => new()
    {
        Engine = new EngineSettings { ListenAddress = IPAddress.Loopback, ListenPort = port },
        Datagrams = ClientTransports.Udp,
        PortSearchRange = searchRange,
    };

    [Fact]
    public async Task A_random_port_is_the_same_number_for_tcp_and_udp()
    {
        await using var client = await ShoalClient.StartAsync(Options(0));

        Assert.NotNull(client.Datagrams);
        Assert.Equal(client.ListenPort, client.Datagrams.LocalEndPoint.Port);
    }

    [Fact]
    public async Task Without_a_datagram_factory_no_udp_port_is_opened()
    {
        await using var client = await ShoalClient.StartAsync(Options(0) with { Datagrams = null });

        Assert.Null(client.Datagrams);
    }

    [Fact]
    public async Task A_fixed_port_whose_udp_twin_is_taken_moves_on_to_the_next()
    {
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        squatter.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int taken = ((IPEndPoint)squatter.LocalEndPoint!).Port;
        if (taken >= ushort.MaxValue - 8) return; // no room above it to search (rare)

        await using var client = await ShoalClient.StartAsync(Options(taken, searchRange: 8));

        Assert.NotEqual(taken, client.ListenPort);
        Assert.Equal(client.ListenPort, client.Datagrams!.LocalEndPoint.Port);
    }

    [Fact]
    public async Task A_fixed_port_whose_udp_twin_is_taken_fails_without_a_search_range()
    {
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        squatter.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int taken = ((IPEndPoint)squatter.LocalEndPoint!).Port;

        var e = await Assert.ThrowsAsync<SocketException>(() => ShoalClient.StartAsync(Options(taken)));
        Assert.Equal(SocketError.AddressAlreadyInUse, e.SocketErrorCode);
    }
}
