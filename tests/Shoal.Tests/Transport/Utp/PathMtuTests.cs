using Shoal.Transport;
using Shoal.Transport.Utp;

namespace Shoal.Tests.Transport.Utp;

/// <summary>Path-MTU discovery: the search alone, and whole connections over a simulated path that drops large datagrams.</summary>
public sealed class PathMtuTests
{
    [Theory]
    [InlineData(1232, 1472, 1232)]
    [InlineData(1232, 1472, 1300)]
    [InlineData(1232, 1472, 1471)]
    [InlineData(1232, 1472, 1472)]
    [InlineData(1400, 2048, 1800)]
    public void The_search_converges_within_the_threshold_below_the_path_limit(int floor, int ceiling, int pathLimit)
    {
        var search = new PathMtuSearch(floor, ceiling);
        ushort seq = 1;
        for (int probes = 0; search.ShouldProbe(0, int.MaxValue); probes++)
        {
            Assert.True(probes < 20, "the search does not end");
            int size = search.ProbeSize;
            search.ProbeSent(seq, size);
            Assert.True(search.IsProbe(seq));
            if (size <= pathLimit) search.ProbeAcked();
            else search.ProbeLost();
            seq++;
        }
        Assert.False(search.Searching);
        Assert.InRange(search.Floor, pathLimit - PathMtuSearch.Threshold + 1, pathLimit);
        Assert.InRange(search.Ceiling, search.Floor, ceiling);
    }

    [Fact]
    public void Emsgsize_lowers_the_ceiling_and_a_finished_search_restarts_after_a_while()
    {
        var search = new PathMtuSearch(1232, 1472);
        Assert.True(search.ShouldProbe(0, int.MaxValue));
        search.ProbeSent(7, search.ProbeSize);
        search.TooBig(1352); // the kernel refused the probe itself
        Assert.Equal(1351, search.Ceiling);
        Assert.False(search.IsProbe(7)); // the refused probe is over: a new one may go
        Assert.True(search.ShouldProbe(0, int.MaxValue));
        search.TooBig(1000); // never below the floor
        Assert.Equal(1232, search.Ceiling);
        Assert.False(search.ShouldProbe(0, int.MaxValue));
        Assert.False(search.ShouldProbe(PathMtuSearch.RestartInterval - 1, int.MaxValue));
        Assert.True(search.ShouldProbe(PathMtuSearch.RestartInterval, int.MaxValue));
        Assert.Equal(1472, search.Ceiling);
    }

    [Fact]
    public void A_small_congestion_window_sends_no_probe_and_a_shrunk_path_restarts_from_the_start()
    {
        var search = new PathMtuSearch(1232, 1472);
        Assert.False(search.ShouldProbe(0, 3 * 1232));
        Assert.True(search.ShouldProbe(0, 3 * 1232 + 1));
        search.ProbeSent(1, search.ProbeSize);
        search.ProbeAcked();
        Assert.Equal(1352, search.Floor);
        search.PathMayHaveShrunk();
        Assert.Equal(1232, search.Floor);
        Assert.Equal(1351, search.Ceiling);
    }

    [Theory]
    [InlineData(1350, 1)]
    [InlineData(1472, 2)]
    [InlineData(1250, 3)]
    public async Task A_transfer_over_a_path_that_drops_large_datagrams_finds_its_size_and_completes(int pathLimit, int seed)
    {
        var options = new UtpOptions { PacketSize = 1232, PathMtuDiscovery = true, RouteMtuLookup = _ => null };
        await using var lab = new UtpLab(seed, options: options);
        int largest = 0;
        lab.Network.Filter = (datagram, _, _) =>
        {
            largest = Math.Max(largest, datagram.Length);
            return datagram.Length <= pathLimit;
        };
        var (client, server) = await lab.ConnectAsync();
        var data = UtpLab.RandomBytes(3_000_000, seed);
        var (received, _) = lab.Transfer(client, server, data, TimeSpan.FromMinutes(2), writeSize: 50_000);
        Assert.Equal(data, received);
        var connection = client.Connection;
        Assert.InRange(connection.PacketSize, pathLimit - PathMtuSearch.Threshold + 1, Math.Min(pathLimit, 1472));
        Assert.InRange(largest, 1232, 1472); // IPv4's ceiling: a 1,500-byte MTU less 28 bytes of headers
        // Only probes were dropped, and a lost probe is no congestion: nothing cut the window, so slow start never ended
        // (the link adds no queueing delay).
        Assert.True(connection.InSlowStart, UtpLab.Describe(client));
    }

    [Fact]
    public async Task Datagrams_never_exceed_the_largest_size_allowed_nor_a_pool_slot()
    {
        var options = new UtpOptions { PacketSize = 1400, PathMtuDiscovery = true, MaxPacketSize = DatagramBatch.SlotSize, RouteMtuLookup = _ => 9000 }; // jumbo frames: the pool slot is the limit
        await using var lab = new UtpLab(seed: 5, options: options);
        int largest = 0;
        lab.Network.Filter = (datagram, _, _) =>
        {
            largest = Math.Max(largest, datagram.Length);
            return true;
        };
        var (client, server) = await lab.ConnectAsync();
        var data = UtpLab.RandomBytes(2_000_000, 5);
        Assert.Equal(data, lab.Transfer(client, server, data, TimeSpan.FromMinutes(2), writeSize: 7_777).Received);
        Assert.InRange(client.Connection.PacketSize, DatagramBatch.SlotSize - PathMtuSearch.Threshold + 1, DatagramBatch.SlotSize);
        Assert.InRange(largest, client.Connection.PacketSize, DatagramBatch.SlotSize);
    }

    [Fact]
    public async Task The_route_mtu_the_kernel_knows_caps_the_search_with_no_probe_lost()
    {
        var options = new UtpOptions { PacketSize = 1232, PathMtuDiscovery = true, RouteMtuLookup = _ => 1380 };
        await using var lab = new UtpLab(seed: 7, options: options);
        int largest = 0;
        lab.Network.Filter = (datagram, _, _) =>
        {
            largest = Math.Max(largest, datagram.Length);
            return true;
        };
        var (client, server) = await lab.ConnectAsync();
        var data = UtpLab.RandomBytes(2_000_000, 7);
        Assert.Equal(data, lab.Transfer(client, server, data, TimeSpan.FromMinutes(2)).Received);
        Assert.InRange(client.Connection.PacketSize, 1352 - PathMtuSearch.Threshold + 1, 1352); // 1,380 less 28 bytes of headers
        Assert.InRange(largest, client.Connection.PacketSize, 1352);
        Assert.Equal(0, client.Statistics.PacketsResent);
    }

    [Fact]
    public void The_kernel_tells_the_loopback_route_mtu_without_a_packet_sent()
    {
        if (!OperatingSystem.IsLinux()) Assert.Skip("IP_MTU is Linux's");
        var mtu = RouteMtu.Query(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 9));
        Assert.NotNull(mtu);
        Assert.InRange(mtu.Value, 1280, 65536); // lo: 65,536 unless someone changed it
    }

    [Fact]
    public async Task Without_discovery_the_packet_size_stays_fixed()
    {
        await using var lab = new UtpLab(seed: 6);
        int largest = 0;
        lab.Network.Filter = (datagram, _, _) =>
        {
            largest = Math.Max(largest, datagram.Length);
            return true;
        };
        var (client, server) = await lab.ConnectAsync();
        var data = UtpLab.RandomBytes(500_000, 6);
        Assert.Equal(data, lab.Transfer(client, server, data, TimeSpan.FromMinutes(1)).Received);
        Assert.Equal(1400, largest);
        Assert.Equal(1400, client.Connection.PacketSize);
    }

    [Fact]
    public void A_probe_pads_a_full_packet_with_extensions_the_parser_skips()
    {
        // Header (20) + two padding links (2 + 255, 2 + 3) + payload (5): the shape EmitProbe writes for 262 bytes of padding.
        var datagram = new byte[20 + 257 + 5 + 5];
        new UtpHeader(UtpPacketType.Data, UtpConnection.PaddingExtension, 9, 1, 2, 1000, 3, 4).WriteTo(datagram);
        datagram[20] = UtpConnection.PaddingExtension;
        datagram[21] = 255;
        datagram[277] = 0;
        datagram[278] = 3;
        "hello"u8.CopyTo(datagram.AsSpan(282));
        Assert.True(UtpPacket.TryParse(datagram, out var packet));
        Assert.Equal("hello"u8.ToArray(), packet.Payload.ToArray());
        Assert.True(packet.SelectiveAck.IsEmpty);
    }
}
