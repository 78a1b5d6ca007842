using System.Text;

namespace Shoal.Bencoding;

/// <summary>A bencode byte string; <see cref="Text"/> decodes it as UTF-8 (lossily).</summary>
public sealed class BString(ReadOnlyMemory<byte> bytes) : BValue
{
    public BString(string text) : this(Encoding.UTF8.GetBytes(text)) { }

    public ReadOnlyMemory<byte> Bytes { get; } = bytes;

    public ReadOnlySpan<byte> Span => Bytes.Span;

    public string Text => Encoding.UTF8.GetString(Bytes.Span);

    public override void WriteTo(BencodeWriter writer) => writer.WriteString(Bytes.Span);

    public override bool Equals(object? obj) => obj is BString other && other.Span.SequenceEqual(Span);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(Span);
        return hash.ToHashCode();
    }

    public override string ToString() => Text;

    public static implicit operator BString(string text) => new(text);
}
