using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Shoal.TrackerServer.Registry;

namespace Shoal.TrackerServer.Udp;

/// <summary>
/// The BEP 15 server: one socket, a few dedicated threads blocking in ReceiveFrom on it (cheaper per datagram than async
/// receives, which pay for epoll registration and thread-pool hops). Receives and sends use the SocketAddress overloads
/// and per-thread buffers, so the steady state allocates nothing. Nothing a datagram contains can end a loop.
/// </summary>
internal sealed class UdpFrontend : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly UdpRequestHandler _handler;
    private readonly ILogger _logger;
    private readonly Thread[] _loops;
    private volatile bool _stopping;

    private UdpFrontend(Socket socket, TrackerCore core, int loops)
    {
        _socket = socket;
        _handler = new UdpRequestHandler(core);
        _logger = core.LoggerFactory.CreateLogger("Shoal.TrackerServer.Udp");
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        // A receive timeout lets the threads notice shutdown even where closing a socket does not wake a blocked receive.
        socket.ReceiveTimeout = 500;
        socket.Blocking = true;
        bool batched = core.Options.UdpBatching && LinuxBatchedUdp.IsSupported;
        _loops = new Thread[loops];
        for (int i = 0; i < loops; i++)
        {
            _loops[i] = new Thread(batched ? BatchedLoop : ReceiveLoop) { IsBackground = true, Name = $"shoal-udp-{i}" };
            _loops[i].Start();
        }
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

    private void BatchedLoop()
    {
        var handle = _socket.SafeHandle;
        bool referenced = false;
        try
        {
            // Holding a reference keeps the descriptor from being closed (and its number reused) while a thread is
            // inside recvmmsg; the receive timeout brings the thread back to see that the tracker is stopping.
            handle.DangerousAddRef(ref referenced);
            using var batch = new LinuxBatchedUdp();
            while (!_stopping)
            {
                try
                {
                    if (!batch.RunOnce(handle, _handler)) break;
                }
                catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
                {
                    _logger.LogInformation("recvmmsg/sendmmsg unavailable ({Error}); using one system call per datagram", ex.Message);
                    break;
                }
                catch (Exception ex)
                {
                    _logger.LogError(ex, "UDP batch failed");
                }
            }
        }
        catch (ObjectDisposedException)
        {
            return;
        }
        finally
        {
            if (referenced) handle.DangerousRelease();
        }
        if (!_stopping) ReceiveLoop();
    }

    private void ReceiveLoop()
    {
        var receive = GC.AllocateUninitializedArray<byte>(2048, pinned: true);
        var send = GC.AllocateUninitializedArray<byte>(UdpProtocol.MaxPacket, pinned: true);
        var from = new SocketAddress(_socket.AddressFamily);
        while (!_stopping)
        {
            int received;
            try
            {
                received = _socket.ReceiveFrom(receive, SocketFlags.None, from);
            }
            catch (ObjectDisposedException) { break; }
            catch (SocketException ex)
            {
                // Timeouts (to check for shutdown) and ICMP errors from earlier sends end nothing.
                if (_stopping) break;
                if (ex.SocketErrorCode is not (SocketError.TimedOut or SocketError.WouldBlock))
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

    public ValueTask DisposeAsync()
    {
        _stopping = true;
        _socket.Dispose();
        foreach (var thread in _loops)
        {
            if (!thread.Join(TimeSpan.FromSeconds(5))) _logger.LogWarning("a UDP receive thread did not stop within 5 s");
        }
        return ValueTask.CompletedTask;
    }
}
