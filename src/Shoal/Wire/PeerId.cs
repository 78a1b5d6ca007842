using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;

namespace Shoal.Wire;

/// <summary>
/// A peer's self-chosen 20-byte id (BEP 3), stored inline: no object per peer, so a tracker can hold millions.
/// Shoal's own ids are Azureus-style: "-SH0100-" followed by 12 random printable bytes.
/// </summary>
[InlineArray(Length)]
public struct PeerId : IEquatable<PeerId>
{
    public const int Length = 20;

    /// <summary>Client code and version in the id prefix (Shoal 0.1.0.0).</summary>
    public const string Prefix = "-SH0100-";

    private byte _element;

    /// <summary>A fresh id for this client, as bytes (the handshake and tracker requests carry it as a memory block).</summary>
    public static byte[] Generate()
    {
        var id = new byte[Length];
        Encoding.ASCII.GetBytes(Prefix, id);
        const string alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        for (int i = Prefix.Length; i < Length; i++) id[i] = (byte)alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
        return id;
    }

    /// <summary>The id in <paramref name="bytes"/>, which must be exactly 20 bytes.</summary>
    public static PeerId From(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length) throw new ArgumentException($"a peer id is {Length} bytes, not {bytes.Length}", nameof(bytes));
        var id = default(PeerId);
        bytes.CopyTo(id);
        return id;
    }

    /// <summary>A short readable client name for display, e.g. "-SH0100-" → "SH0100", "-lt20A0-" → "lt20A0".</summary>
    public static string Describe(ReadOnlySpan<byte> id)
    {
        if (id.Length >= 8 && id[0] == '-' && id[7] == '-')
        {
            Span<char> chars = stackalloc char[6];
            for (int i = 0; i < 6; i++) chars[i] = id[i + 1] is >= 0x20 and < 0x7f ? (char)id[i + 1] : '?';
            return new string(chars);
        }
        return Convert.ToHexStringLower(id[..Math.Min(4, id.Length)]);
    }

    public readonly bool Equals(PeerId other) => ((ReadOnlySpan<byte>)this).SequenceEqual(other);

    public override readonly bool Equals(object? obj) => obj is PeerId other && Equals(other);

    // Randomised per process (HashCode's seed), so crafted ids cannot pile into one hash bucket.
    public override readonly int GetHashCode()
    {
        ReadOnlySpan<byte> span = this;
        var hash = new HashCode();
        hash.AddBytes(span);
        return hash.ToHashCode();
    }

    public override readonly string ToString() => Convert.ToHexStringLower(this);
}
