namespace Shoal.Bencoding;

/// <summary>Thrown for any malformed bencoded input; <see cref="Position"/> is the byte offset of the fault.</summary>
public sealed class BencodeException(string message, int position)
    : FormatException($"{message} (at byte {position})")
{
    public int Position { get; } = position;
    public string Reason { get; } = message;
}
