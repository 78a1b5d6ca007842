using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Shoal.Tracker.Registry;

namespace Shoal.Tracker.Udp;

/// <summary>
/// The BEP 15 server: one socket, a few receive loops sharing it. Receives and sends use the SocketAddress overloads and
/// per-loop buffers, so the steady state allocates nothing. Nothing a datagram contains can end a loop.
/// </summary>
internal sealed class UdpFrontend : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly UdpRequestHandler _handler;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _loops;

    private UdpFrontend(Socket socket, TrackerCore core, int loops)
    {
        _socket = socket;
        _handler = new UdpRequestHandler(core);
        _logger = core.LoggerFactory.CreateLogger("Shoal.Tracker.Udp");
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        _loops = new Task[loops];
        for (int i = 0; i < loops; i++) _loops[i] = Task.Run(ReceiveLoopAsync);
    }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Binds the UDP port; a taken port is a <see cref="PortInUseException"/>.</summary>
    public static UdpFrontend Start(IPEndPoint endPoint, TrackerCore core)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6 && endPoint.Address.Equals(IPAddress.IPv6Any)) socket.DualMode = true;
            // Room for bursts: announces arrive in floods when many clients start at once.
            socket.ReceiveBufferSize = 4 << 20;
            socket.SendBufferSize = 4 << 20;
            socket.Bind(endPoint);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            socket.Dispose();
            throw new PortInUseException(endPoint.Port, "UDP", ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new UdpFrontend(socket, core, core.Options.EffectiveUdpLoops);
    }

    private async Task ReceiveLoopAsync()
    {
        var receive = GC.AllocateUninitializedArray<byte>(2048, pinned: true);
        var send = GC.AllocateUninitializedArray<byte>(UdpProtocol.MaxPacket, pinned: true);
        var from = new SocketAddress(_socket.AddressFamily);
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            int received;
            try
            {
                received = await _socket.ReceiveFromAsync(receive, SocketFlags.None, from, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) { break; }
            catch (ObjectDisposedException) { break; }
            catch (SocketException ex)
            {
                // ICMP errors from earlier sends (e.g. a client went away) surface here; they end nothing.
                _logger.LogDebug("UDP receive: {Error}", ex.SocketErrorCode);
                continue;
            }
            try
            {
                if (!SocketAddressReader.TryRead(from, out var client)) continue;
                int length = _handler.Handle(receive.AsSpan(0, received), in client, send);
                if (length > 0) _socket.SendTo(send.AsSpan(0, length), SocketFlags.None, from);
            }
            catch (SocketException ex)
            {
                _logger.LogDebug("UDP send: {Error}", ex.SocketErrorCode);
            }
            catch (ObjectDisposedException) { break; }
            catch (Exception ex)
            {
                _logger.LogError(ex, "UDP request failed");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        try
        {
            await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _logger.LogWarning("UDP receive loops did not stop within 5 s");
        }
        _stop.Dispose();
    }
}
