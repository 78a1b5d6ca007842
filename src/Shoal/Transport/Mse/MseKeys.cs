using System.Security.Cryptography;
using Shoal.Metainfo;

namespace Shoal.Transport.Mse;

/// <summary>The hashes MSE derives from the shared secret S and the stream key SKEY (the info-hash).</summary>
internal static class MseKeys
{
    public const int HashLength = 20;

    /// <summary>HASH('req1', S): the initiator's marker that the responder synchronises on.</summary>
    public static void SyncHash(ReadOnlySpan<byte> secret, Span<byte> destination) => Hash("req1"u8, secret, default, destination);

    /// <summary>HASH('req2', SKEY): what a responder indexes its torrents by.</summary>
    public static void StreamKeyHash(ReadOnlySpan<byte> skey, Span<byte> destination) => Hash("req2"u8, skey, default, destination);

    /// <summary>HASH('req3', S): the mask over HASH('req2', SKEY) on the wire.</summary>
    public static void SecretMask(ReadOnlySpan<byte> secret, Span<byte> destination) => Hash("req3"u8, secret, default, destination);

    /// <summary>
    /// The RC4 cipher of one direction, key stream advanced past the 1,024 bytes MSE discards: HASH('keyA', S, SKEY)
    /// for what the initiator sends, HASH('keyB', S, SKEY) for what the responder sends.
    /// </summary>
    public static Rc4 Cipher(bool initiatorSends, ReadOnlySpan<byte> secret, InfoHash skey)
    {
        Span<byte> key = stackalloc byte[HashLength];
        Hash(initiatorSends ? "keyA"u8 : "keyB"u8, secret, skey.Span, key);
        var rc4 = new Rc4(key);
        rc4.Discard(1024);
        return rc4;
    }

    private static void Hash(ReadOnlySpan<byte> label, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> destination)
    {
        Span<byte> input = stackalloc byte[label.Length + first.Length + second.Length];
        label.CopyTo(input);
        first.CopyTo(input[label.Length..]);
        second.CopyTo(input[(label.Length + first.Length)..]);
        SHA1.HashData(input, destination);
    }
}
