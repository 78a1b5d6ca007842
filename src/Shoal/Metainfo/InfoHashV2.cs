using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace Shoal.Metainfo;

/// <summary>
/// The 32-byte SHA-256 of a v2 torrent's bencoded info dictionary (BEP 52). Handshakes, trackers and the DHT use its
/// first 20 bytes, <see cref="Truncated"/>; magnet links carry it whole as a multihash (<c>urn:btmh:1220…</c>).
/// </summary>
public readonly struct InfoHashV2 : IEquatable<InfoHashV2>
{
    public const int Length = 32;

    /// <summary>The multihash prefix of a SHA-256 digest: function 0x12, length 0x20.</summary>
    public const string MultihashPrefix = "1220";

    private readonly Bytes32 _bytes;

    public InfoHashV2(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length) throw new ArgumentException($"a v2 info-hash is {Length} bytes, not {bytes.Length}", nameof(bytes));
        bytes.CopyTo(_bytes);
    }

    [UnscopedRef]
    public ReadOnlySpan<byte> Span => _bytes;

    /// <summary>The first 20 bytes: what identifies the v2 swarm in handshakes, announces and the DHT.</summary>
    public InfoHash Truncated => new(Span[..InfoHash.Length]);

    public static InfoHashV2 Compute(ReadOnlySpan<byte> encodedInfo)
    {
        Span<byte> hash = stackalloc byte[Length];
        SHA256.HashData(encodedInfo, hash);
        return new InfoHashV2(hash);
    }

    public string ToHex() => Convert.ToHexStringLower(Span);

    /// <summary>The multihash form magnet links use: "1220" and the 64 hex digits.</summary>
    public string ToMultihash() => MultihashPrefix + ToHex();

    public override string ToString() => ToHex();

    /// <summary>Accepts 64 hex digits, or the multihash form (1220 and 64 hex digits).</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out InfoHashV2 hash)
    {
        hash = default;
        if (text.Length == 68 && text.StartsWith(MultihashPrefix, StringComparison.Ordinal)) text = text[4..];
        if (text.Length != 64) return false;
        Span<byte> bytes = stackalloc byte[Length];
        if (Convert.FromHexString(text, bytes, out _, out int written) != System.Buffers.OperationStatus.Done || written != Length) return false;
        hash = new InfoHashV2(bytes);
        return true;
    }

    public bool Equals(InfoHashV2 other) => Span.SequenceEqual(other.Span);

    public override bool Equals(object? obj) => obj is InfoHashV2 other && Equals(other);

    public override int GetHashCode() => BitConverter.ToInt32(Span);

    public static bool operator ==(InfoHashV2 left, InfoHashV2 right) => left.Equals(right);

    public static bool operator !=(InfoHashV2 left, InfoHashV2 right) => !left.Equals(right);

    [InlineArray(Length)]
    private struct Bytes32
    {
        private byte _element;
    }
}
