using System.Net;

namespace Shoal.Transport;

/// <summary>
/// One UDP port shared by the protocols that live on the peer port: the DHT (KRPC, BEP 5) and uTP (BEP 29).
/// They never collide: a KRPC message is a bencoded dictionary and starts with 'd' (0x64), while a uTP header
/// starts with type &lt;&lt; 4 | version 1 (0x01, 0x11, 0x21, 0x31 or 0x41). The port hands each datagram to the
/// first handler that claims it and drops the rest.
/// </summary>
public interface IDatagramPort
{
    /// <summary>The address and port the socket is bound to.</summary>
    IPEndPoint LocalEndPoint { get; }

    /// <summary>
    /// Sends one datagram. Never blocks and never throws for a network error: UDP may drop it anyway, so a full
    /// socket buffer or an unreachable address is a lost datagram. The caller may reuse <paramref name="datagram"/>
    /// as soon as this returns.
    /// </summary>
    void Send(ReadOnlySpan<byte> datagram, IPEndPoint to);

    /// <summary>Registers a handler for the datagrams it recognises; disposing the result unregisters it.</summary>
    IDisposable Register(IDatagramHandler handler);
}

/// <summary>A protocol on a shared UDP port (the DHT, uTP).</summary>
public interface IDatagramHandler
{
    /// <summary>
    /// Handles the datagram if it belongs to this protocol, and says whether it did. Called on the port's receive
    /// loop: it must be quick and must not keep a reference to <paramref name="datagram"/> after returning.
    /// </summary>
    bool TryHandle(ReadOnlySpan<byte> datagram, IPEndPoint from);
}
