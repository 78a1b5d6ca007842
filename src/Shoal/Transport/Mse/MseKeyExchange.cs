using System.Numerics;

namespace Shoal.Transport.Mse;

/// <summary>
/// MSE's Diffie-Hellman: the 768-bit prime P of the spec, generator 2, a 160-bit private key from the CSPRNG.
/// Public keys and the shared secret S travel as 96 big-endian bytes, zero-padded on the left.
/// </summary>
internal sealed class MseKeyExchange
{
    public const int KeyLength = 96;
    private const int PrivateKeyLength = 20;

    private static readonly BigInteger Prime = new(Convert.FromHexString(
        "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B30" +
        "2B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A63A36210000000000090563"), isUnsigned: true, isBigEndian: true);

    private static readonly BigInteger Generator = 2;

    private readonly BigInteger _private;

    public MseKeyExchange(MseOptions options)
    {
        Span<byte> x = stackalloc byte[PrivateKeyLength];
        options.Fill(x);
        _private = new BigInteger(x, isUnsigned: true, isBigEndian: true);
        if (_private.IsZero) _private = BigInteger.One; // 2^-160: never, but a zero key would give Y = 1
        Write(BigInteger.ModPow(Generator, _private, Prime), PublicKey);
    }

    /// <summary>Y = G^X mod P, 96 bytes.</summary>
    public byte[] PublicKey { get; } = new byte[KeyLength];

    /// <summary>
    /// S = Y_remote^X mod P into <paramref name="secret"/> (96 bytes). False when the remote key is not a usable public key
    /// (0, 1, P-1 or at least P): such a key forces a known secret.
    /// </summary>
    public bool TryComputeSecret(ReadOnlySpan<byte> remotePublicKey, Span<byte> secret)
    {
        if (remotePublicKey.Length != KeyLength) throw new ArgumentException("an MSE public key is 96 bytes", nameof(remotePublicKey));
        var remote = new BigInteger(remotePublicKey, isUnsigned: true, isBigEndian: true);
        if (remote <= BigInteger.One || remote >= Prime - BigInteger.One) return false;
        Write(BigInteger.ModPow(remote, _private, Prime), secret);
        return true;
    }

    private static void Write(BigInteger value, Span<byte> destination)
    {
        destination[..KeyLength].Clear();
        int length = value.GetByteCount(isUnsigned: true);
        if (!value.TryWriteBytes(destination.Slice(KeyLength - length, length), out _, isUnsigned: true, isBigEndian: true))
            throw new InvalidOperationException("a value modulo P does not fit in 96 bytes");
    }
}
