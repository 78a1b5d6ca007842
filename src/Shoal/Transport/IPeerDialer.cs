using System.Net;

namespace Shoal.Transport;

/// <summary>
/// Opens connections to peers. One dialer is given to the engine; several transports (TCP, uTP) combine into one by a
/// composite that decides which to try first and whether to fall back, so the swarm never chooses a transport itself.
/// </summary>
public interface IPeerDialer
{
    /// <summary>Connects to <paramref name="endPoint"/>; throws <see cref="IOException"/>, a socket error or
    /// <see cref="OperationCanceledException"/> when it cannot.</summary>
    Task<TransportConnection> DialAsync(IPEndPoint endPoint, CancellationToken ct);

    /// <summary>
    /// The same, trying <paramref name="first"/> first when this dialer combines transports (a hint from what a peer
    /// told us, e.g. BEP 11's uTP flag); null, or a dialer of one transport, keeps the usual order.
    /// </summary>
    Task<TransportConnection> DialAsync(IPEndPoint endPoint, TransportKind? first, CancellationToken ct) => DialAsync(endPoint, ct);
}

/// <summary>Accepts connections from peers (one per transport: TCP, uTP) and hands each to the engine.</summary>
public interface IPeerListener : IAsyncDisposable
{
    /// <summary>The address and port bound (the port peers are told about).</summary>
    IPEndPoint LocalEndPoint { get; }

    /// <summary>
    /// Starts accepting; each new connection is passed to <paramref name="accepted"/>, which takes ownership of it and
    /// must return quickly (the engine runs the connection on its own task). Called once.
    /// </summary>
    void Start(Action<TransportConnection> accepted);
}
