using System.Net;
using System.Security.Cryptography;
using Shoal.Transport;
using Shoal.Transport.Utp;

namespace Shoal.Tests.Transport.Utp;

/// <summary>uTP over real UDP sockets on 127.0.0.1: two <see cref="UdpDatagramPort"/>s, real time, some MiB each way.</summary>
public sealed class UtpLoopbackTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Megabytes_cross_between_two_udp_ports_intact_both_ways(bool batched)
    {
        await using var portA = UdpDatagramPort.Bind(new IPEndPoint(IPAddress.Loopback, 0), batched);
        await using var portB = UdpDatagramPort.Bind(new IPEndPoint(IPAddress.Loopback, 0), batched);
        await using var a = new UtpSocketManager(portA);
        await using var b = new UtpSocketManager(portB);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(90));

        var accept = b.AcceptAsync(timeout.Token);
        await using var client = await a.ConnectAsync(portB.LocalEndPoint, timeout.Token);
        await using var server = await accept;
        Assert.Equal(portA.LocalEndPoint, server.RemoteEndPoint);

        var up = new byte[8 << 20];
        var down = new byte[3 << 20];
        new Random(1).NextBytes(up);
        new Random(2).NextBytes(down);
        var sendUp = SendAsync(client, up, timeout.Token);
        var sendDown = SendAsync(server, down, timeout.Token);
        var receivedUp = ReceiveAsync(server, up.Length, timeout.Token);
        var receivedDown = ReceiveAsync(client, down.Length, timeout.Token);
        await Task.WhenAll(sendUp, sendDown, receivedUp, receivedDown);
        Assert.Equal(SHA256.HashData(up), await receivedUp);
        Assert.Equal(SHA256.HashData(down), await receivedDown);
    }

    private static async Task SendAsync(UtpStream stream, byte[] data, CancellationToken cancellationToken)
    {
        for (int offset = 0; offset < data.Length; offset += 100_000)
            await stream.WriteAsync(data.AsMemory(offset, Math.Min(100_000, data.Length - offset)), cancellationToken);
        stream.ShutdownWrite();
    }

    /// <summary>Reads to the end of the stream and returns the SHA-256 of what came (its length must be <paramref name="expected"/>).</summary>
    private static async Task<byte[]> ReceiveAsync(UtpStream stream, int expected, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[64 * 1024];
        long total = 0;
        int n;
        while ((n = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            hash.AppendData(buffer, 0, n);
            total += n;
        }
        Assert.Equal(expected, total);
        return hash.GetHashAndReset();
    }
}
