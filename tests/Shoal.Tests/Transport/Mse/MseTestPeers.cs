using System.Buffers.Binary;
using Shoal.Metainfo;
using Shoal.Transport.Mse;

namespace Shoal.Tests.Transport.Mse;

/// <summary>
/// Handshake plumbing for the tests: a real initiator/responder pair over a <see cref="DuplexPipe"/>, and hand-scripted
/// peers that break the protocol in one chosen way (built from the same key exchange and hashes as the real code).
/// </summary>
internal static class MseTestPeers
{
    public static readonly InfoHash Torrent = InfoHash.Parse("0123456789abcdef0123456789abcdef01234567");

    public static MseTorrentIndex IndexOf(params InfoHash[] hashes)
    {
        var index = new MseTorrentIndex();
        foreach (var h in hashes) index.Add(h);
        return index;
    }

    /// <summary>Runs both real sides; the responder first sniffs 20 bytes as the engine's listener does.</summary>
    public static async Task<(MseResult Initiator, MseResult Responder, DuplexPipe.End A, DuplexPipe.End B)> HandshakeAsync(
        EncryptionPolicy initiator, EncryptionPolicy responder, byte[] initialPayload, int readChunk = int.MaxValue,
        MseOptions? initiatorOptions = null, MseOptions? responderOptions = null)
    {
        var (a, b) = DuplexPipe.Create(readChunk);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var initiate = MseHandshake.InitiateAsync(a, Torrent, initiator, initialPayload, timeout.Token, initiatorOptions);
        var respond = RespondAfterSniffingAsync(b, IndexOf(Torrent), responder, timeout.Token, responderOptions);
        try
        {
            await Task.WhenAll(initiate, respond);
        }
        catch
        {
            a.Dispose();
            b.Dispose();
            throw;
        }
        return (await initiate, await respond, a, b);
    }

    public static async Task<MseResult> RespondAfterSniffingAsync(Stream stream, MseTorrentIndex index, EncryptionPolicy policy,
        CancellationToken cancellationToken, MseOptions? options = null)
    {
        try
        {
            var first = new byte[20];
            await stream.ReadExactlyAsync(first, cancellationToken);
            Assert.True(MseHandshake.LooksEncrypted(first));
            return await MseHandshake.RespondAsync(stream, first, index.TryFind, policy, cancellationToken, options);
        }
        catch
        {
            await stream.DisposeAsync(); // as a listener would: the initiator then sees the connection close
            throw;
        }
    }

    /// <summary>A scripted side: sends Y and a pad of <paramref name="padLength"/> garbage bytes, reads the peer's Y, returns S.</summary>
    public static async Task<byte[]> ExchangeKeysAsync(Stream stream, int padLength, bool readFirst = false)
    {
        var exchange = new MseKeyExchange(MseOptions.Default);
        var remote = new byte[MseKeyExchange.KeyLength];
        if (readFirst) await stream.ReadExactlyAsync(remote, TestContext.Current.CancellationToken);
        var message = new byte[MseKeyExchange.KeyLength + padLength];
        exchange.PublicKey.CopyTo(message, 0);
        new Random(padLength).NextBytes(message.AsSpan(MseKeyExchange.KeyLength));
        await stream.WriteAsync(message, TestContext.Current.CancellationToken);
        if (!readFirst) await stream.ReadExactlyAsync(remote, TestContext.Current.CancellationToken);
        var secret = new byte[MseKeyExchange.KeyLength];
        Assert.True(exchange.TryComputeSecret(remote, secret));
        return secret;
    }

    /// <summary>A scripted initiator's step 3 with any field values, encrypted as the real one is.</summary>
    public static byte[] Step3(byte[] secret, InfoHash skey, uint provide, int padC, int iaLengthField, byte[] ia, byte vcByte = 0)
    {
        var encrypted = new byte[8 + 4 + 2 + padC + 2 + ia.Length];
        encrypted.AsSpan(0, 8).Fill(vcByte);
        BinaryPrimitives.WriteUInt32BigEndian(encrypted.AsSpan(8), provide);
        BinaryPrimitives.WriteUInt16BigEndian(encrypted.AsSpan(12), (ushort)padC);
        BinaryPrimitives.WriteUInt16BigEndian(encrypted.AsSpan(14 + padC), (ushort)iaLengthField);
        ia.CopyTo(encrypted, 16 + padC);
        MseKeys.Cipher(initiatorSends: true, secret, skey).Transform(encrypted);

        var sync = new byte[20];
        var masked = new byte[20];
        var mask = new byte[20];
        MseKeys.SyncHash(secret, sync);
        MseKeys.StreamKeyHash(skey.Span, masked);
        MseKeys.SecretMask(secret, mask);
        for (int i = 0; i < 20; i++) masked[i] ^= mask[i];
        return [.. sync, .. masked, .. encrypted];
    }

    /// <summary>A scripted responder's step 4: ENCRYPT(VC, crypto_select, len(PadD), PadD).</summary>
    public static byte[] Step4(byte[] secret, InfoHash skey, uint select, int padD)
    {
        var message = new byte[8 + 4 + 2 + padD];
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(8), select);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(12), (ushort)padD);
        MseKeys.Cipher(initiatorSends: false, secret, skey).Transform(message);
        return message;
    }
}
