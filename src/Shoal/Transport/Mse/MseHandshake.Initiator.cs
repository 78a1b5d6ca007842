using System.Buffers;
using System.Buffers.Binary;
using Shoal.Metainfo;

namespace Shoal.Transport.Mse;

public static partial class MseHandshake
{
    /// <summary>
    /// Runs the initiator's side (A) on a freshly connected <paramref name="stream"/> for the torrent
    /// <paramref name="infoHash"/>, offering what <paramref name="policy"/> allows and sending
    /// <paramref name="initialPayload"/> (normally the 68-byte BitTorrent handshake; libtorrent accepts at most that)
    /// encrypted inside the handshake. Throws <see cref="MseHandshakeException"/> when the peer does not complete it
    /// (a plaintext-only peer simply closes or stays silent: fall back per <see cref="EncryptionPolicyRules.OutgoingAttemptsEncrypted"/>).
    /// </summary>
    public static async Task<MseResult> InitiateAsync(Stream stream, InfoHash infoHash, EncryptionPolicy policy,
        ReadOnlyMemory<byte> initialPayload, CancellationToken cancellationToken = default, MseOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var provide = policy.Provides();
        if (provide == MseCryptoMethods.None) throw new ArgumentException("encryption is off: no MSE handshake to make", nameof(policy));
        if (initialPayload.Length > MaxInitialPayloadSent) throw new ArgumentException("the initial payload is longer than 65,535 bytes", nameof(initialPayload));
        options ??= MseOptions.Default;

        var exchange = new MseKeyExchange(options);
        using var deadline = new MseStepDeadline(options, cancellationToken);
        using var reader = new MseHandshakeReader(stream, default);
        byte[] message = ArrayPool<byte>.Shared.Rent(KeyLength + 2 * HashLength + VcLength + 8 + 2 * MaxPadLength + initialPayload.Length);
        try
        {
            // 1: Ya, PadA
            int length = WritePublicKey(exchange, message, options);
            await WriteAsync(stream, message.AsMemory(0, length), deadline.Begin("sending our public key")).ConfigureAwait(false);

            // 2: Yb (PadB is skipped while looking for the VC below)
            await reader.EnsureAsync(KeyLength, "its public key", deadline.Begin("the peer's public key")).ConfigureAwait(false);
            byte[] secret = new byte[KeyLength];
            if (!exchange.TryComputeSecret(reader.Take(KeyLength), secret)) throw new MseHandshakeException("the peer's public key is invalid");
            var encrypt = MseKeys.Cipher(initiatorSends: true, secret, infoHash);
            var decrypt = MseKeys.Cipher(initiatorSends: false, secret, infoHash);

            // 3: HASH('req1', S), HASH('req2', SKEY) xor HASH('req3', S), ENCRYPT(VC, crypto_provide, len(PadC), PadC, len(IA), IA)
            length = WriteStep3(message, secret, infoHash, provide, initialPayload.Span, encrypt, options);
            await WriteAsync(stream, message.AsMemory(0, length), deadline.Begin("sending the stream key")).ConfigureAwait(false);

            // 4: find ENCRYPT(VC) after PadB, then crypto_select, len(PadD), PadD
            byte[] vc = new byte[VcLength];
            decrypt.Transform(vc);
            await reader.SynchroniseAsync(vc, MaxPadLength, "verification constant", deadline.Begin("the peer's verification constant")).ConfigureAwait(false);
            var token = deadline.Begin("the peer's crypto_select");
            await reader.EnsureAsync(6, "crypto_select", token).ConfigureAwait(false);
            var fields = reader.Take(6);
            decrypt.Transform(fields);
            var selected = ReadCryptoField(fields);
            if (selected is not (MseCryptoMethods.Rc4 or MseCryptoMethods.Plaintext) || (selected & provide) == 0)
                throw new MseHandshakeException($"the peer selected crypto method {(uint)selected}, which we did not offer ({provide})");
            int padD = ReadPadLength(fields[4..]);
            await reader.EnsureAsync(padD, "PadD", token).ConfigureAwait(false);
            decrypt.Transform(reader.Take(padD));

            var wrapped = Wrap(stream, selected, decrypt, encrypt, reader.TakeLeftover(), options.LeaveOpen);
            return new MseResult(wrapped, selected, infoHash, ReadOnlyMemory<byte>.Empty);
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

    private static int WriteStep3(Span<byte> message, ReadOnlySpan<byte> secret, InfoHash infoHash, MseCryptoMethods provide,
        ReadOnlySpan<byte> initialPayload, Rc4 encrypt, MseOptions options)
    {
        MseKeys.SyncHash(secret, message);
        Span<byte> mask = stackalloc byte[HashLength];
        MseKeys.StreamKeyHash(infoHash.Span, message[HashLength..]);
        MseKeys.SecretMask(secret, mask);
        for (int i = 0; i < HashLength; i++) message[HashLength + i] ^= mask[i];

        var encrypted = message[(2 * HashLength)..];
        int length = WriteVcAndCrypto(encrypted, provide, options);
        BinaryPrimitives.WriteUInt16BigEndian(encrypted[length..], (ushort)initialPayload.Length);
        length += 2;
        initialPayload.CopyTo(encrypted[length..]);
        length += initialPayload.Length;
        encrypt.Transform(encrypted[..length]);
        return 2 * HashLength + length;
    }
}
