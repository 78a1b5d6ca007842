using Shoal.Metainfo;

namespace Shoal.Transport;

/// <summary>
/// The stage between a transport and the BitTorrent handshake: MSE/PE encryption wraps the stream here, for either
/// transport, without the swarm knowing. Outgoing, it runs right after the dial and knows which torrent we want;
/// incoming, it runs before anything is read, and may sniff the first bytes to tell a plaintext handshake
/// (<c>\x13BitTorrent protocol</c>) from an encrypted one. <see cref="PlaintextUpgrade"/> is the default.
/// </summary>
public interface IConnectionUpgrade
{
    /// <summary>
    /// Prepares an outgoing connection for the handshake about <paramref name="infoHash"/>; returns it, or a wrapped one.
    /// <paramref name="handshake"/> is the BitTorrent handshake the swarm will send next; an upgrade may send it itself
    /// (MSE puts it in its initial payload, saving a round trip) and then says so with
    /// <see cref="TransportConnection.HandshakeSent"/>.
    /// </summary>
    ValueTask<TransportConnection> UpgradeOutgoingAsync(TransportConnection connection, InfoHash infoHash, ReadOnlyMemory<byte> handshake, CancellationToken ct);

    /// <summary>
    /// Prepares an incoming connection: returns one whose stream starts with the peer's BitTorrent handshake (the
    /// sniffed bytes given back), or null to refuse it. <paramref name="torrents"/> lists the info-hashes we serve (an
    /// encrypted handshake names its torrent only by a hash of the info-hash).
    /// </summary>
    ValueTask<TransportConnection?> UpgradeIncomingAsync(TransportConnection connection, IInfoHashLookup torrents, CancellationToken ct);
}

/// <summary>
/// Answers an incoming connection whose first bytes are not a plaintext handshake (the MSE/PE responder): given those
/// bytes, it completes its own handshake and returns the decrypted connection, or null to refuse.
/// </summary>
public interface IIncomingHandshakeResponder
{
    ValueTask<TransportConnection?> RespondAsync(TransportConnection connection, ReadOnlyMemory<byte> firstBytes, IInfoHashLookup torrents,
        CancellationToken ct);
}

/// <summary>The info-hashes an engine serves, for responders that must find a torrent by a hash of its info-hash.</summary>
public interface IInfoHashLookup
{
    IReadOnlyCollection<InfoHash> InfoHashes { get; }

    bool Contains(InfoHash infoHash);
}
