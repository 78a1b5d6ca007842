using System.Net;
using System.Security.Cryptography;

namespace Shoal.Discovery.Dht;

/// <summary>
/// The get_peers → announce_peer tokens of BEP 5: the first 8 bytes of SHA-1(secret, requester IP, info-hash). The secret
/// rotates every <see cref="RotationMilliseconds"/> and the previous one stays valid, so a token lives 5 to 10 minutes,
/// and only the address it was given to can use it. Nothing is stored per requester.
/// </summary>
internal sealed class WriteTokens
{
    public const int TokenLength = 8;
    private const int SecretLength = 16;
    public static readonly long RotationMilliseconds = (long)TimeSpan.FromMinutes(5).TotalMilliseconds;

    private readonly Random _random;
    private readonly byte[] _current = new byte[SecretLength];
    private readonly byte[] _previous = new byte[SecretLength];
    private long _rotatedAt;

    public WriteTokens(Random random, long now)
    {
        _random = random;
        random.NextBytes(_current);
        random.NextBytes(_previous);
        _rotatedAt = now;
    }

    /// <summary>Rotates the secret when its time is up (called from the node's maintenance).</summary>
    public void Rotate(long now)
    {
        if (now - _rotatedAt < RotationMilliseconds) return;
        _current.CopyTo(_previous, 0);
        _random.NextBytes(_current);
        _rotatedAt = now;
    }

    public byte[] Issue(IPAddress requester, NodeId infoHash)
    {
        var token = new byte[TokenLength];
        Compute(_current, requester, infoHash, token);
        return token;
    }

    public bool IsValid(ReadOnlySpan<byte> token, IPAddress requester, NodeId infoHash)
    {
        if (token.Length != TokenLength) return false;
        Span<byte> expected = stackalloc byte[TokenLength];
        Compute(_current, requester, infoHash, expected);
        if (CryptographicOperations.FixedTimeEquals(token, expected)) return true;
        Compute(_previous, requester, infoHash, expected);
        return CryptographicOperations.FixedTimeEquals(token, expected);
    }

    private static void Compute(byte[] secret, IPAddress requester, NodeId infoHash, Span<byte> token)
    {
        Span<byte> input = stackalloc byte[SecretLength + 16 + NodeId.Length];
        secret.CopyTo(input);
        CompactInfo.Normalize(requester).TryWriteBytes(input[SecretLength..], out int addressLength);
        infoHash.CopyTo(input.Slice(SecretLength + addressLength, NodeId.Length));
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
        SHA1.HashData(input[..(SecretLength + addressLength + NodeId.Length)], hash);
        hash[..TokenLength].CopyTo(token);
    }
}
