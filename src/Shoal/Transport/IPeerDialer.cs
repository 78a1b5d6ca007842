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
