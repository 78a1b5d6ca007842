using System.Security.Cryptography;
using System.Text;

namespace Shoal.Wire;

/// <summary>Azureus-style peer ids: "-SH0100-" followed by 12 random printable bytes.</summary>
public static class PeerId
{
    public const int Length = 20;

    /// <summary>Client code and version in the id prefix (Shoal 0.1.0.0).</summary>
    public const string Prefix = "-SH0100-";

    public static byte[] Generate()
    {
        var id = new byte[Length];
        Encoding.ASCII.GetBytes(Prefix, id);
        const string alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        for (int i = Prefix.Length; i < Length; i++) id[i] = (byte)alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
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
}
