using Shoal.Metainfo;

namespace Shoal.Transport;

/// <summary>
/// No encryption: outgoing connections go to the handshake as they are; an incoming one is sniffed, and a plaintext
/// BitTorrent handshake goes on (its first bytes given back), anything else goes to <paramref name="otherwise"/> (the
/// MSE/PE responder, when there is one) or is refused.
/// </summary>
public sealed class PlaintextUpgrade(IIncomingHandshakeResponder? otherwise = null) : IConnectionUpgrade
{
    public static PlaintextUpgrade Instance { get; } = new();

    public ValueTask<TransportConnection> UpgradeOutgoingAsync(TransportConnection connection, InfoHash infoHash, ReadOnlyMemory<byte> handshake, CancellationToken ct) =>
        ValueTask.FromResult(connection);

    public async ValueTask<TransportConnection?> UpgradeIncomingAsync(TransportConnection connection, IInfoHashLookup torrents, CancellationToken ct)
    {
        var first = await HandshakeSniffer.ReadFirstBytesAsync(connection.Stream, ct).ConfigureAwait(false);
        if (first is null) return null;
        if (HandshakeSniffer.IsPlaintextHandshake(first)) return connection.Wrap(new PrefixedStream(first, connection.Stream), connection.IsEncrypted, connection.IsObfuscated);
        return otherwise is null ? null : await otherwise.RespondAsync(connection, first, torrents, ct).ConfigureAwait(false);
    }
}
