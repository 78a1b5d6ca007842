using System.Net;
using System.Net.Sockets;

namespace Shoal.Transport;

/// <summary>
/// The TCP listening socket. Binding happens in <see cref="Bind"/>, so a taken port surfaces at once as a
/// <see cref="SocketException"/> (AddressAlreadyInUse) for the caller to report or to try the next port. Accept errors
/// (out of file descriptors, say) back off instead of spinning.
/// </summary>
public sealed class TcpPeerListener : IPeerListener
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(1);

    private readonly Socket _socket;
    private readonly CancellationTokenSource _stopping = new();
    private Task _accepting = Task.CompletedTask;

    private TcpPeerListener(Socket socket)
    {
        _socket = socket;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
    }

    /// <summary>Binds <paramref name="address"/>:<paramref name="port"/> (0 = any free port); IPv6Any is dual-stack.</summary>
    public static TcpPeerListener Bind(IPAddress address, int port, int backlog = 256)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (address.Equals(IPAddress.IPv6Any)) socket.DualMode = true;
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen(backlog);
            return new TcpPeerListener(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public IPEndPoint LocalEndPoint { get; }

    public void Start(Action<TransportConnection> accepted) => _accepting = AcceptLoopAsync(accepted);

    private async Task AcceptLoopAsync(Action<TransportConnection> accepted)
    {
        var backoff = TimeSpan.FromMilliseconds(10);
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _socket.AcceptAsync(_stopping.Token).ConfigureAwait(false);
                backoff = TimeSpan.FromMilliseconds(10);
            }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            catch (SocketException)
            {
                // EMFILE and friends: wait for descriptors to come back rather than spinning on the error.
                try { await Task.Delay(backoff, _stopping.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) { return; }
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
                continue;
            }
            socket.NoDelay = true;
            var remote = (IPEndPoint?)socket.RemoteEndPoint;
            if (remote is null)
            {
                socket.Dispose();
                continue;
            }
            accepted(new TransportConnection(new NetworkStream(socket, ownsSocket: true), remote, TransportKind.Tcp, isIncoming: true));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
