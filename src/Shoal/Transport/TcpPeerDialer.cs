using System.Net;
using System.Net.Sockets;

namespace Shoal.Transport;

/// <summary>Dials peers over TCP (Nagle off: requests and HAVEs are small and should leave at once).</summary>
public sealed class TcpPeerDialer : IPeerDialer
{
    public static TcpPeerDialer Instance { get; } = new();

    public async Task<TransportConnection> DialAsync(IPEndPoint endPoint, CancellationToken ct)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, ct).ConfigureAwait(false);
            return new TransportConnection(new NetworkStream(socket, ownsSocket: true), endPoint, TransportKind.Tcp, isIncoming: false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
