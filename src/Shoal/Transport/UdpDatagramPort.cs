using System.Net;
using System.Net.Sockets;

namespace Shoal.Transport;

/// <summary>
/// The real <see cref="IDatagramPort"/>: one UDP socket, one receive loop handing datagrams to the registered handlers
/// in order. Sends go straight to the kernel without waiting: a full buffer drops the datagram, as UDP may.
/// On Linux the loop takes every waiting datagram in one recvmmsg call and, once a batch is handed out, tells the
/// handlers that want to know (<see cref="IDatagramBatchHandler"/>: uTP sends the batch's ACKs then); batches of
/// datagrams go out with one sendmmsg (<see cref="IDatagramBatchPort"/>), and senders' endpoints are cached so the
/// steady state allocates nothing per datagram. Elsewhere a portable loop makes one call per datagram.
/// </summary>
public sealed partial class UdpDatagramPort : IDatagramBatchPort, IAsyncDisposable
{
    /// <summary>Larger than any datagram we accept (uTP and KRPC stay well under the Ethernet MTU).</summary>
    private const int MaxDatagram = 64 * 1024;

    private readonly Socket _socket;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _receiveLoop;
    private IDatagramHandler[] _handlers = [];
    private long _unclaimed;

    private UdpDatagramPort(Socket socket, bool batched)
    {
        _socket = socket;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        IsBatched = batched;
        _receiveLoop = batched ? StartBatchedLoop() : Task.Run(PortableReceiveLoopAsync);
    }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Whether receives and batch sends use recvmmsg/sendmmsg (Linux, 64-bit).</summary>
    public bool IsBatched { get; }

    /// <summary>Datagrams no handler claimed (for diagnostics).</summary>
    public long Unclaimed => Interlocked.Read(ref _unclaimed);

    /// <summary>
    /// Binds the port. IPv6Any is dual-stack. A port that is taken surfaces as a <see cref="SocketException"/> with
    /// <see cref="SocketError.AddressAlreadyInUse"/>, as for the TCP listener. <paramref name="batched"/> false forces
    /// the portable loop (one system call per datagram) even where batching is available.
    /// </summary>
    public static UdpDatagramPort Bind(IPEndPoint local, bool batched = true)
    {
        var socket = new Socket(local.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (local.Address.Equals(IPAddress.IPv6Any)) socket.DualMode = true;
            batched &= LinuxUdp.IsSupported;
            // The batched loop blocks in recvmmsg (the timeout lets it notice shutdown); sends pass MSG_DONTWAIT.
            socket.Blocking = batched;
            if (batched) socket.ReceiveTimeout = 250;
            socket.ReceiveBufferSize = 4 * 1024 * 1024;
            socket.SendBufferSize = 4 * 1024 * 1024;
            IgnoreConnectionReset(socket);
            socket.Bind(local);
            return new UdpDatagramPort(socket, batched);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Send(ReadOnlySpan<byte> datagram, IPEndPoint to)
    {
        if (_stopping.IsCancellationRequested) return;
        if (IsBatched)
        {
            SendOneNative(datagram, to);
            return;
        }
        if (_socket.AddressFamily == AddressFamily.InterNetworkV6 && to.AddressFamily == AddressFamily.InterNetwork)
            to = new IPEndPoint(to.Address.MapToIPv6(), to.Port);
        else if (_socket.AddressFamily == AddressFamily.InterNetwork && to.AddressFamily == AddressFamily.InterNetworkV6) return;
        try
        {
            _socket.SendTo(datagram, SocketFlags.None, to);
        }
        catch (SocketException) { /* a full buffer or an unreachable host: a lost datagram */ }
        catch (ObjectDisposedException) { }
    }

    public void Send(DatagramBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (!_stopping.IsCancellationRequested)
        {
            if (IsBatched) SendBatchNative(batch);
            else for (int i = 0; i < batch.Count; i++) Send(batch[i], batch.TargetOf(i));
        }
        batch.Clear();
    }

    public IDisposable Register(IDatagramHandler handler)
    {
        lock (_stopping) _handlers = [.. _handlers, handler];
        return new Registration(this, handler);
    }

    private void Unregister(IDatagramHandler handler)
    {
        lock (_stopping) _handlers = [.. _handlers.Where(h => h != handler)];
    }

    private void Dispatch(ReadOnlySpan<byte> datagram, IPEndPoint from)
    {
        foreach (var handler in _handlers)
        {
            try
            {
                if (handler.TryHandle(datagram, from)) return;
            }
            catch (Exception)
            {
                // A handler's bug must not end the port for the others; the datagram is simply lost.
                return;
            }
        }
        Interlocked.Increment(ref _unclaimed);
    }

    /// <summary>Tells the handlers that want to know that a receive batch is over.</summary>
    private void EndBatch()
    {
        foreach (var handler in _handlers)
        {
            if (handler is not IDatagramBatchHandler batching) continue;
            try
            {
                batching.OnBatchEnd();
            }
            catch (Exception)
            {
                // As in Dispatch: one handler's bug ends nothing.
            }
        }
    }

    private async Task PortableReceiveLoopAsync()
    {
        var buffer = GC.AllocateUninitializedArray<byte>(MaxDatagram, pinned: true);
        var address = new SocketAddress(_socket.AddressFamily);
        while (!_stopping.IsCancellationRequested)
        {
            int length;
            try
            {
                length = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, address, _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            catch (SocketException) { continue; }
            if (length == 0) continue;
            var from = Normalize((IPEndPoint)LocalEndPoint.Create(address));
            Dispatch(buffer.AsSpan(0, length), from);
            EndBatch();
        }
    }

    private static IPEndPoint Normalize(IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;

    /// <summary>On Windows an ICMP port-unreachable makes the next receive fail; elsewhere this is a no-op.</summary>
    private static void IgnoreConnectionReset(Socket socket)
    {
        if (!OperatingSystem.IsWindows()) return;
        const int SioUdpConnReset = unchecked((int)0x9800000C);
        socket.IOControl(SioUdpConnReset, [0, 0, 0, 0], null);
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested) return;
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            _socket.Shutdown(SocketShutdown.Both); // wakes a receive blocked in the kernel at once
        }
        catch (SocketException) { }
        await _receiveLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _socket.Dispose();
    }

    private sealed class Registration(UdpDatagramPort port, IDatagramHandler handler) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) port.Unregister(handler);
        }
    }
}
