using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Shoal.Metainfo;

namespace Shoal.Transport.Mse;

/// <summary>
/// MSE/PE as the engine's upgrade stage, for either transport (TCP or uTP), following an <see cref="EncryptionPolicy"/>.
/// Outgoing: <c>prefer</c> and <c>require</c> open with the encrypted handshake; when a <c>prefer</c> peer does not
/// complete it (a plaintext-only client closes on the key exchange), the peer is dialled again and spoken to in
/// plaintext, as libtorrent does. <c>allow</c> and <c>off</c> dial plaintext. The swarm's BitTorrent handshake goes in
/// the initial payload (IA), as libtorrent and anacrolix send it: the peer answers the MSE handshake and the BitTorrent
/// one together, saving a round trip.
/// Incoming: the first 20 bytes tell a plaintext handshake from a key exchange; each is accepted or refused per policy,
/// and the responder finds the torrent among all the engine's info-hashes by HASH('req2', SKEY).
/// </summary>
public sealed class MseConnectionUpgrade : IConnectionUpgrade
{
    private readonly TransportSwitches _switches;
    private readonly IPeerDialer _redial;
    private readonly ILogger _log;
    private readonly MseOptions _options;
    private readonly StreamKeyHashes _hashes = new();

    /// <param name="policy">Which connections are encrypted.</param>
    /// <param name="redial">Dials the peer again for the plaintext retry of <see cref="EncryptionPolicy.Prefer"/>.</param>
    public MseConnectionUpgrade(EncryptionPolicy policy, IPeerDialer redial, ILogger? log = null, MseOptions? options = null)
        : this(new TransportSwitches(policy, utpEnabled: false), redial, log, options)
    {
    }

    /// <summary>The policy is read from <paramref name="switches"/> for each connection, so a change applies to the next one.</summary>
    public MseConnectionUpgrade(TransportSwitches switches, IPeerDialer redial, ILogger? log = null, MseOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(switches);
        ArgumentNullException.ThrowIfNull(redial);
        _switches = switches;
        _redial = redial;
        _log = log ?? NullLogger.Instance;
        _options = options ?? MseOptions.Default;
    }

    public EncryptionPolicy Policy => _switches.Encryption;

    public async ValueTask<TransportConnection> UpgradeOutgoingAsync(TransportConnection connection, InfoHash infoHash, ReadOnlyMemory<byte> handshake,
        CancellationToken ct)
    {
        var policy = Policy;
        if (policy is EncryptionPolicy.Allow or EncryptionPolicy.Off) return connection;
        try
        {
            var result = await MseHandshake.InitiateAsync(connection.Stream, infoHash, policy, handshake, ct, _options).ConfigureAwait(false);
            return connection.Wrap(result.Stream, result.Method == MseCryptoMethods.Rc4, isObfuscated: true, handshakeSent: !handshake.IsEmpty);
        }
        catch (Exception ex) when (ex is MseHandshakeException or IOException && !ct.IsCancellationRequested)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            if (policy == EncryptionPolicy.Require)
            {
                _log.LogInformation("{Peer}: no encrypted connection ({Reason}); encryption is required, so not trying plaintext", connection.RemoteEndPoint, ex.Message);
                throw new IOException($"the peer did not complete the encrypted handshake ({ex.Message}); encryption is required", ex);
            }
            _log.LogDebug("{Peer}: no encrypted connection ({Reason}); trying plaintext", connection.RemoteEndPoint, ex.Message);
            return await _redial.DialAsync(connection.RemoteEndPoint, ct).ConfigureAwait(false);
        }
    }

    public async ValueTask<TransportConnection?> UpgradeIncomingAsync(TransportConnection connection, IInfoHashLookup torrents, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(torrents);
        var policy = Policy;
        var first = await HandshakeSniffer.ReadFirstBytesAsync(connection.Stream, ct).ConfigureAwait(false);
        if (first is null) return null;
        if (HandshakeSniffer.IsPlaintextHandshake(first))
        {
            if (policy.AcceptsPlaintextIncoming()) return connection.Wrap(new Transport.PrefixedStream(first, connection.Stream), isEncrypted: false);
            _log.LogInformation("{Peer}: refused a plaintext connection: encryption is required", connection.RemoteEndPoint);
            return null;
        }
        if (!policy.AcceptsEncryptedIncoming())
        {
            _log.LogInformation("{Peer}: refused an encrypted connection: encryption is off", connection.RemoteEndPoint);
            return null;
        }
        MseResult result;
        try
        {
            result = await MseHandshake.RespondAsync(connection.Stream, first, (ReadOnlySpan<byte> hash, out InfoHash infoHash) => _hashes.TryFind(torrents, hash, out infoHash),
                policy, ct, _options).ConfigureAwait(false);
        }
        catch (MseHandshakeException ex)
        {
            _log.LogDebug("{Peer}: encrypted handshake failed: {Reason}", connection.RemoteEndPoint, ex.Message);
            return null;
        }
        // The initiator's IA (usually its BitTorrent handshake) comes first on the decrypted stream.
        var stream = result.InitialPayload.IsEmpty ? result.Stream : new Transport.PrefixedStream(result.InitialPayload, result.Stream);
        return connection.Wrap(stream, result.Method == MseCryptoMethods.Rc4, isObfuscated: true);
    }

    /// <summary>
    /// HASH('req2', info-hash) of each torrent, computed once per torrent, so finding an incoming handshake's torrent costs
    /// comparisons, not a SHA-1 per torrent. Forgets removed torrents when it holds twice as many as are served.
    /// </summary>
    private sealed class StreamKeyHashes
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<InfoHash, InfoHash> _byInfoHash = new();

        public bool TryFind(IInfoHashLookup torrents, ReadOnlySpan<byte> streamKeyHash, out InfoHash infoHash)
        {
            infoHash = default;
            if (streamKeyHash.Length != MseKeys.HashLength) return false;
            var served = torrents.InfoHashes;
            if (_byInfoHash.Count > 2 * served.Count + 16) _byInfoHash.Clear();
            foreach (var candidate in served)
            {
                var hash = _byInfoHash.GetOrAdd(candidate, static h =>
                {
                    Span<byte> bytes = stackalloc byte[MseKeys.HashLength];
                    MseKeys.StreamKeyHash(h.Span, bytes);
                    return new InfoHash(bytes);
                });
                if (hash.Span.SequenceEqual(streamKeyHash))
                {
                    infoHash = candidate;
                    return true;
                }
            }
            return false;
        }
    }
}
