using System.Buffers;
using System.Buffers.Binary;
using Shoal.Metainfo;

namespace Shoal.Transport.Mse;

public static partial class MseHandshake
{
    /// <summary>
    /// Runs the responder's side (B) of an incoming connection whose first bytes (already read while telling a plaintext
    /// handshake from an encrypted one) are <paramref name="alreadyRead"/>. <paramref name="lookup"/> finds the torrent
    /// from HASH('req2', SKEY) (see <see cref="MseTorrentIndex"/>). Returns the stream, the torrent and the initiator's
    /// initial payload. Throws <see cref="MseHandshakeException"/> for an unknown torrent, a crypto method the policy
    /// refuses, a malformed or oversized handshake, or a step that times out.
    /// </summary>
    public static async Task<MseResult> RespondAsync(Stream stream, ReadOnlyMemory<byte> alreadyRead, MseStreamKeyLookup lookup,
        EncryptionPolicy policy, CancellationToken cancellationToken = default, MseOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(lookup);
        if (!policy.AcceptsEncryptedIncoming()) throw new MseHandshakeException("encryption is off: an encrypted handshake is refused");
        if (alreadyRead.Length > KeyLength) throw new ArgumentException("more bytes already read than a public key holds", nameof(alreadyRead));
        options ??= MseOptions.Default;

        var exchange = new MseKeyExchange(options);
        using var deadline = new MseStepDeadline(options, cancellationToken);
        using var reader = new MseHandshakeReader(stream, alreadyRead.Span);
        byte[] message = ArrayPool<byte>.Shared.Rent(KeyLength + MaxPadLength + VcLength + 6 + MaxPadLength);
        try
        {
            // 1: Ya (PadA is skipped while looking for the sync hash below)
            await reader.EnsureAsync(KeyLength, "its public key", deadline.Begin("the peer's public key")).ConfigureAwait(false);
            byte[] secret = new byte[KeyLength];
            if (!exchange.TryComputeSecret(reader.Take(KeyLength), secret)) throw new MseHandshakeException("the peer's public key is invalid");

            // 2: Yb, PadB
            int length = WritePublicKey(exchange, message, options);
            await WriteAsync(stream, message.AsMemory(0, length), deadline.Begin("sending our public key")).ConfigureAwait(false);

            // 3: HASH('req1', S) after PadA, then HASH('req2', SKEY) xor HASH('req3', S): which torrent
            byte[] sync = new byte[HashLength];
            MseKeys.SyncHash(secret, sync);
            await reader.SynchroniseAsync(sync, MaxPadLength, "sync hash", deadline.Begin("the peer's sync hash")).ConfigureAwait(false);
            var token = deadline.Begin("the peer's stream key and crypto_provide");
            await reader.EnsureAsync(HashLength + VcLength + 6, "the stream key", token).ConfigureAwait(false);
            var infoHash = FindTorrent(reader.Take(HashLength), secret, lookup);
            var decrypt = MseKeys.Cipher(initiatorSends: true, secret, infoHash);
            var encrypt = MseKeys.Cipher(initiatorSends: false, secret, infoHash);

            //    ENCRYPT(VC, crypto_provide, len(PadC), PadC, len(IA)), ENCRYPT(IA)
            var fields = reader.Take(VcLength + 6);
            decrypt.Transform(fields);
            if (fields[..VcLength].ContainsAnyExcept((byte)0)) throw new MseHandshakeException("the peer's verification constant is wrong");
            var offered = ReadCryptoField(fields[VcLength..]);
            int padC = ReadPadLength(fields[(VcLength + 4)..]);
            await reader.EnsureAsync(padC + 2, "PadC", token).ConfigureAwait(false);
            var padAndLength = reader.Take(padC + 2);
            decrypt.Transform(padAndLength);
            int iaLength = BinaryPrimitives.ReadUInt16BigEndian(padAndLength[padC..]);
            if (iaLength > MaxInitialPayload) throw new MseHandshakeException($"the peer's initial payload is {iaLength} bytes (at most {MaxInitialPayload} accepted)");
            await reader.EnsureAsync(iaLength, "the initial payload", deadline.Begin("the peer's initial payload")).ConfigureAwait(false);
            byte[] initialPayload = reader.Take(iaLength).ToArray();
            decrypt.Transform(initialPayload);

            var selected = policy.Select(offered);
            if (selected == MseCryptoMethods.None)
                throw new MseHandshakeException($"the peer offers crypto methods {(uint)offered}, none of which our policy ({policy}) accepts");

            // 4: ENCRYPT(VC, crypto_select, len(PadD), PadD)
            length = WriteVcAndCrypto(message, selected, options);
            encrypt.Transform(message.AsSpan(0, length));
            await WriteAsync(stream, message.AsMemory(0, length), deadline.Begin("sending crypto_select")).ConfigureAwait(false);

            var wrapped = Wrap(stream, selected, decrypt, encrypt, reader.TakeLeftover(), options.LeaveOpen);
            return new MseResult(wrapped, selected, infoHash, initialPayload);
        }
        catch (Exception e) when (deadline.Translate(e) is { } timeout)
        {
            throw timeout;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(message);
        }
    }

    private static InfoHash FindTorrent(ReadOnlySpan<byte> masked, ReadOnlySpan<byte> secret, MseStreamKeyLookup lookup)
    {
        Span<byte> streamKeyHash = stackalloc byte[HashLength];
        MseKeys.SecretMask(secret, streamKeyHash);
        for (int i = 0; i < HashLength; i++) streamKeyHash[i] ^= masked[i];
        return lookup(streamKeyHash, out var infoHash) ? infoHash : throw new MseHandshakeException("the peer asked for a torrent we do not serve");
    }
}
