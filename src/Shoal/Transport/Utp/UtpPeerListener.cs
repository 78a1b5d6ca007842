using System.Net;

namespace Shoal.Transport.Utp;

/// <summary>
/// Accepts uTP connections on a <see cref="UtpSocketManager"/> (the shared UDP port) for the engine. The listener owns
/// the manager: disposing it resets every uTP connection and unregisters from the port. While <paramref name="enabled"/>
/// says no (uTP switched off at run time), incoming connections are reset.
/// </summary>
public sealed class UtpPeerListener(UtpSocketManager manager, Func<bool>? enabled = null) : IPeerListener
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _accepting = Task.CompletedTask;

    public UtpSocketManager Manager { get; } = manager ?? throw new ArgumentNullException(nameof(manager));

    public IPEndPoint LocalEndPoint => Manager.LocalEndPoint;

    public void Start(Action<TransportConnection> accepted) => _accepting = AcceptLoopAsync(accepted);

    private async Task AcceptLoopAsync(Action<TransportConnection> accepted)
    {
        while (true)
        {
            UtpStream stream;
            try
            {
                stream = await Manager.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or System.Threading.Channels.ChannelClosedException or ObjectDisposedException)
            {
                return;
            }
            if (enabled is not null && !enabled())
            {
                stream.Abort();
                _ = stream.DisposeAsync().AsTask();
                continue;
            }
            accepted(new TransportConnection(stream, stream.RemoteEndPoint, TransportKind.Utp, isIncoming: true));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await Manager.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>Dials peers over uTP; a connection that is not answered within <paramref name="connectTimeout"/> fails with an <see cref="IOException"/>.</summary>
public sealed class UtpPeerDialer(UtpSocketManager manager, TimeSpan connectTimeout) : IPeerDialer
{
    /// <summary>libtorrent's utp_connect_timeout: long enough for a distant peer, short enough to fall back to TCP soon.</summary>
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(3);

    public async Task<TransportConnection> DialAsync(IPEndPoint endPoint, CancellationToken ct)
    {
        using var timeout = new CancellationTokenSource(connectTimeout, manager.Options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        UtpStream stream;
        try
        {
            stream = await manager.ConnectAsync(endPoint, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new IOException($"no uTP answer from {endPoint} within {connectTimeout.TotalSeconds:0.#} s");
        }
        return new TransportConnection(stream, endPoint, TransportKind.Utp, isIncoming: false);
    }
}
