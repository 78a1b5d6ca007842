using System.Net;
using System.Threading.Channels;
using Shoal.Transport;

namespace Shoal.Tests.Transport;

public sealed class UdpDatagramPortTests
{
    private sealed class Recorder(byte first) : IDatagramHandler
    {
        public Channel<(byte[] Data, IPEndPoint From)> Received { get; } = Channel.CreateUnbounded<(byte[], IPEndPoint)>();

        public bool TryHandle(ReadOnlySpan<byte> datagram, IPEndPoint from)
        {
            if (datagram.IsEmpty || datagram[0] != first) return false;
            Received.Writer.TryWrite((datagram.ToArray(), from));
            return true;
        }
    }

    [Fact]
    public async Task Each_datagram_reaches_the_handler_that_claims_it()
    {
        await using var a = UdpDatagramPort.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        await using var b = UdpDatagramPort.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var dht = new Recorder((byte)'d');
        var utp = new Recorder(0x41);
        using var r1 = b.Register(dht);
        using var r2 = b.Register(utp);

        a.Send("d1:ad2:id20:xe"u8, b.LocalEndPoint);
        a.Send([0x41, 1, 2, 3], b.LocalEndPoint);
        a.Send([0x99], b.LocalEndPoint);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var krpc = await dht.Received.Reader.ReadAsync(timeout.Token);
        var syn = await utp.Received.Reader.ReadAsync(timeout.Token);
        Assert.Equal("d1:ad2:id20:xe"u8.ToArray(), krpc.Data);
        Assert.Equal(a.LocalEndPoint, krpc.From);
        Assert.Equal(new byte[] { 0x41, 1, 2, 3 }, syn.Data);
        while (b.Unclaimed == 0) await Task.Delay(10, timeout.Token);
        Assert.Equal(1, b.Unclaimed);
    }

    [Fact]
    public async Task A_dual_stack_port_reports_IPv4_senders_as_IPv4()
    {
        await using var server = UdpDatagramPort.Bind(new IPEndPoint(IPAddress.IPv6Any, 0));
        await using var client = UdpDatagramPort.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var recorder = new Recorder((byte)'d');
        using var _ = server.Register(recorder);

        client.Send("de"u8, new IPEndPoint(IPAddress.Loopback, server.LocalEndPoint.Port));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var got = await recorder.Received.Reader.ReadAsync(timeout.Token);
        Assert.Equal(client.LocalEndPoint, got.From);
    }

    [Fact]
    public async Task An_unregistered_handler_no_longer_receives()
    {
        await using var a = UdpDatagramPort.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        await using var b = UdpDatagramPort.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var recorder = new Recorder((byte)'d');
        b.Register(recorder).Dispose();

        a.Send("de"u8, b.LocalEndPoint);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (b.Unclaimed == 0) await Task.Delay(10, timeout.Token);
        Assert.False(recorder.Received.Reader.TryRead(out _));
    }
}
