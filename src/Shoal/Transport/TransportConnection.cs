using System.Net;
using Shoal.Transport.Mse;

namespace Shoal.Transport;

/// <summary>How the bytes of a peer connection travel.</summary>
public enum TransportKind
{
    Tcp,
    /// <summary>uTP (BEP 29) over the shared UDP port.</summary>
    Utp,
    /// <summary>An in-process pipe (tests and simulations).</summary>
    InMemory,
}

/// <summary>
/// A connection to a peer as the swarm sees it: a duplex byte stream, the peer's endpoint, how it travels and whether
/// it is encrypted. Produced by an <see cref="IPeerDialer"/> or <see cref="IPeerListener"/>, then possibly wrapped by
/// an <see cref="IConnectionUpgrade"/> (MSE/PE) before the BitTorrent handshake. Owns its stream.
/// </summary>
public sealed class TransportConnection : IAsyncDisposable
{
    public TransportConnection(Stream stream, IPEndPoint remoteEndPoint, TransportKind kind, bool isIncoming, bool isEncrypted = false,
        bool isObfuscated = false, bool handshakeSent = false)
    {
        HandshakeSent = handshakeSent;
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(remoteEndPoint);
        Stream = stream;
        RemoteEndPoint = remoteEndPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(remoteEndPoint.Address.MapToIPv4(), remoteEndPoint.Port) : remoteEndPoint;
        Kind = kind;
        IsIncoming = isIncoming;
        IsEncrypted = isEncrypted;
        IsObfuscated = isObfuscated || isEncrypted;
    }

    /// <summary>The bytes to and from the peer (after any upgrade: the plaintext side).</summary>
    public Stream Stream { get; }

    /// <summary>The peer's address (IPv4-mapped addresses are given as IPv4).</summary>
    public IPEndPoint RemoteEndPoint { get; }

    public TransportKind Kind { get; }

    /// <summary>The peer dialled us.</summary>
    public bool IsIncoming { get; }

    /// <summary>An upgrade (MSE/PE) encrypts the stream (RC4).</summary>
    public bool IsEncrypted { get; }

    /// <summary>
    /// The BitTorrent handshake went inside an MSE handshake, so it cannot be recognised on the wire; the stream after
    /// it may still be plaintext (MSE's "plaintext" crypto method). True whenever <see cref="IsEncrypted"/> is.
    /// </summary>
    public bool IsObfuscated { get; }

    /// <summary>
    /// Sends <paramref name="scratch"/>, which the caller gives up: it may hold ciphertext afterwards. An RC4 stream
    /// encrypts it in place and sends it in one write, where <see cref="Stream"/>'s WriteAsync would copy it through a
    /// 32 KiB buffer in several writes.
    /// </summary>
    public ValueTask SendAsync(Memory<byte> scratch, CancellationToken cancellationToken) =>
        Stream is EncryptedStream encrypted ? encrypted.WriteInPlaceAsync(scratch, cancellationToken) : Stream.WriteAsync(scratch, cancellationToken);

    /// <summary>
    /// Outgoing: the upgrade already sent our BitTorrent handshake (inside MSE's initial payload), so the swarm only
    /// reads the peer's.
    /// </summary>
    public bool HandshakeSent { get; }

    /// <summary>The same connection over a wrapping stream (an upgrade's output); disposing the result disposes <paramref name="stream"/>.</summary>
    public TransportConnection Wrap(Stream stream, bool isEncrypted, bool isObfuscated = false, bool handshakeSent = false) =>
        new(stream, RemoteEndPoint, Kind, IsIncoming, isEncrypted, isObfuscated, handshakeSent);

    public ValueTask DisposeAsync() => Stream.DisposeAsync();

    public override string ToString() => $"{Kind}{(IsEncrypted ? "+enc" : IsObfuscated ? "+mse" : "")} {(IsIncoming ? "from" : "to")} {RemoteEndPoint}";
}
