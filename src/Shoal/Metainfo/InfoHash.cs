using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace Shoal.Metainfo;

/// <summary>
/// The 20 bytes that name a swarm on the wire (handshakes, trackers, DHT, resume files): the SHA-1 of a v1 torrent's
/// bencoded info dictionary, or a v2 torrent's SHA-256 info-hash truncated to 20 bytes (<see cref="InfoHashV2.Truncated"/>).
/// A torrent's full identity, with both forms of a hybrid, is <see cref="InfoHashes"/>.
/// </summary>
public readonly struct InfoHash : IEquatable<InfoHash>
{
    public const int Length = 20;

    private readonly Bytes20 _bytes;

    public InfoHash(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length) throw new ArgumentException($"an info-hash is {Length} bytes, not {bytes.Length}", nameof(bytes));
        bytes.CopyTo(_bytes);
    }

    [UnscopedRef]
    public ReadOnlySpan<byte> Span => _bytes;

    /// <summary>The v1 (SHA-1) info-hash of an info dictionary exactly as encoded.</summary>
    public static InfoHash Compute(ReadOnlySpan<byte> encodedInfo)
    {
        Span<byte> hash = stackalloc byte[Length];
        SHA1.HashData(encodedInfo, hash);
        return new InfoHash(hash);
    }

    public byte[] ToArray() => Span.ToArray();

    public void CopyTo(Span<byte> destination) => Span.CopyTo(destination);

    /// <summary>Lower-case hexadecimal, the usual display form.</summary>
    public string ToHex() => Convert.ToHexStringLower(Span);

    /// <summary>RFC 4648 base32 (upper case, 32 characters), as some magnet links use.</summary>
    public string ToBase32() => Base32.Encode(Span);

    public override string ToString() => ToHex();

    /// <summary>Accepts 40 hex digits or 32 base32 characters.</summary>
    public static InfoHash Parse(string text) =>
        TryParse(text, out var hash) ? hash : throw new FormatException($"'{text}' is not an info-hash: expected 40 hex digits or 32 base32 characters");

    public static bool TryParse(ReadOnlySpan<char> text, out InfoHash hash)
    {
        Span<byte> bytes = stackalloc byte[Length];
        hash = default;
        if (text.Length == 40)
        {
            if (Convert.FromHexString(text, bytes, out _, out int written) != System.Buffers.OperationStatus.Done || written != Length) return false;
        }
        else if (text.Length == 32)
        {
            if (!Base32.TryDecode(text, bytes)) return false;
        }
        else return false;
        hash = new InfoHash(bytes);
        return true;
    }

    public bool Equals(InfoHash other) => Span.SequenceEqual(other.Span);

    public override bool Equals(object? obj) => obj is InfoHash other && Equals(other);

    public override int GetHashCode() => BitConverter.ToInt32(Span);

    public static bool operator ==(InfoHash left, InfoHash right) => left.Equals(right);

    public static bool operator !=(InfoHash left, InfoHash right) => !left.Equals(right);

    [InlineArray(Length)]
    private struct Bytes20
    {
        private byte _element;
    }
}
