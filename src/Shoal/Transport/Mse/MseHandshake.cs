using System.Buffers.Binary;
using System.Security.Cryptography;
using Shoal.Metainfo;

namespace Shoal.Transport.Mse;

/// <summary>
/// Message Stream Encryption / Protocol Encryption (the Vuze wiki's "Message Stream Encryption", as libtorrent,
/// uTorrent, Transmission and qBittorrent speak it). A 768-bit Diffie-Hellman exchange gives a shared secret S; the
/// info-hash is the stream key SKEY, so one port serves many torrents and the responder finds the torrent from
/// HASH('req2', SKEY) xor HASH('req3', S). After the handshake the stream is RC4 (first 1,024 key-stream bytes
/// dropped) or plaintext, as crypto_provide/crypto_select agree. The initial payload (IA) carries the initiator's
/// BitTorrent handshake inside the encrypted part, saving a round trip.
/// <code>
/// 1 A->B: Ya, PadA
/// 2 B->A: Yb, PadB
/// 3 A->B: HASH('req1', S), HASH('req2', SKEY) xor HASH('req3', S), ENCRYPT(VC, crypto_provide, len(PadC), PadC, len(IA)), ENCRYPT(IA)
/// 4 B->A: ENCRYPT(VC, crypto_select, len(PadD), PadD), ENCRYPT2(payload)
/// 5 A->B: ENCRYPT2(payload)
/// </code>
/// Bounds: pads are at most 512 bytes, so each side's search for the other's marker gives up after 512 bytes of
/// padding (532 bytes in all for the 20-byte sync hash); every step has its own timeout.
/// </summary>
public static partial class MseHandshake
{
    public const int MaxPadLength = 512;

    /// <summary>The largest initial payload accepted from an initiator (a BitTorrent handshake is 68 bytes; libtorrent accepts no more).</summary>
    public const int MaxInitialPayload = 1024;

    /// <summary>The largest initial payload an initiator may send (its length is a 16-bit field).</summary>
    public const int MaxInitialPayloadSent = ushort.MaxValue;

    private const int VcLength = 8;
    private const int KeyLength = MseKeyExchange.KeyLength;
    private const int HashLength = MseKeys.HashLength;

    /// <summary>
    /// True when the first bytes of an incoming connection are not a plaintext BitTorrent handshake (so they may be the
    /// start of an MSE handshake). Needs at least one byte; 20 decide for sure.
    /// </summary>
    public static bool LooksEncrypted(ReadOnlySpan<byte> firstBytes)
    {
        ReadOnlySpan<byte> protocol = "\u0013BitTorrent protocol"u8;
        int n = Math.Min(firstBytes.Length, protocol.Length);
        return !firstBytes[..n].SequenceEqual(protocol[..n]);
    }

    /// <summary>Y then PadA/PadB (random bytes).</summary>
    private static int WritePublicKey(MseKeyExchange exchange, Span<byte> destination, MseOptions options)
    {
        exchange.PublicKey.CopyTo(destination);
        int pad = options.NextPadLength();
        options.Fill(destination.Slice(KeyLength, pad));
        return KeyLength + pad;
    }

    /// <summary>VC, crypto field, len(Pad), Pad (random; encrypted anyway) — the common part of steps 3 and 4.</summary>
    private static int WriteVcAndCrypto(Span<byte> destination, MseCryptoMethods crypto, MseOptions options)
    {
        destination[..VcLength].Clear();
        BinaryPrimitives.WriteUInt32BigEndian(destination[VcLength..], (uint)crypto);
        int pad = options.NextPadLength();
        BinaryPrimitives.WriteUInt16BigEndian(destination[(VcLength + 4)..], (ushort)pad);
        options.Fill(destination.Slice(VcLength + 6, pad));
        return VcLength + 6 + pad;
    }

    private static async Task WriteAsync(Stream stream, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The stream after the handshake: RC4 both ways, or plaintext; bytes read ahead come first.</summary>
    private static Stream Wrap(Stream stream, MseCryptoMethods method, Rc4 decrypt, Rc4 encrypt, byte[] leftover, bool leaveOpen)
    {
        if (method == MseCryptoMethods.Rc4)
        {
            decrypt.Transform(leftover);
            return new EncryptedStream(stream, decrypt, encrypt, leftover, leaveOpen);
        }
        return leftover.Length == 0 && leaveOpen ? stream : new Transport.PrefixedStream(leftover, stream, leaveOpen);
    }

    private static MseCryptoMethods ReadCryptoField(ReadOnlySpan<byte> field) => (MseCryptoMethods)BinaryPrimitives.ReadUInt32BigEndian(field);

    private static int ReadPadLength(ReadOnlySpan<byte> field)
    {
        int pad = BinaryPrimitives.ReadUInt16BigEndian(field);
        if (pad > MaxPadLength) throw new MseHandshakeException($"the peer's padding is {pad} bytes (at most {MaxPadLength} allowed)");
        return pad;
    }
}

/// <summary>Settings of one handshake.</summary>
public sealed record MseOptions
{
    public static MseOptions Default { get; } = new();

    /// <summary>How long each step may wait for the peer (libtorrent's handshake_timeout is 10 s).</summary>
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Whether the returned stream leaves the given one open when disposed.</summary>
    public bool LeaveOpen { get; init; }

    /// <summary>Tests and fuzzing only: a seeded source for keys and padding, so runs repeat exactly.</summary>
    internal Random? InsecureRandom { get; init; }

    /// <summary>Tests only: every pad this side sends has this length.</summary>
    internal int? PadLength { get; init; }

    internal void Fill(Span<byte> destination)
    {
        if (InsecureRandom is { } random) random.NextBytes(destination);
        else RandomNumberGenerator.Fill(destination);
    }

    internal int NextPadLength() =>
        PadLength ?? InsecureRandom?.Next(0, MseHandshake.MaxPadLength + 1) ?? RandomNumberGenerator.GetInt32(0, MseHandshake.MaxPadLength + 1);
}

/// <summary>A completed handshake.</summary>
/// <param name="Stream">What to speak BitTorrent over: RC4 both ways (<see cref="EncryptedStream"/>) or plaintext.</param>
/// <param name="Method">RC4 or plaintext after the handshake.</param>
/// <param name="InfoHash">The torrent (the SKEY): for a responder, the one the initiator asked for.</param>
/// <param name="InitialPayload">For a responder, the initiator's IA (usually its BitTorrent handshake), decrypted; the
/// stream continues after it. Empty for an initiator.</param>
public sealed record MseResult(Stream Stream, MseCryptoMethods Method, InfoHash InfoHash, ReadOnlyMemory<byte> InitialPayload);
