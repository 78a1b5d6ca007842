using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Shoal.Bencoding;

/// <summary>
/// Writes bencode to any <see cref="IBufferWriter{T}"/>. The caller is responsible for emitting
/// dictionary keys in byte order; <see cref="BDictionary"/> does that automatically.
/// </summary>
public readonly struct BencodeWriter(IBufferWriter<byte> output)
{
    public void WriteInteger(long value)
    {
        var span = output.GetSpan(22);
        span[0] = (byte)'i';
        Utf8Formatter.TryFormat(value, span[1..], out int written);
        span[1 + written] = (byte)'e';
        output.Advance(written + 2);
    }

    public void WriteString(ReadOnlySpan<byte> value)
    {
        var span = output.GetSpan(11 + value.Length);
        Utf8Formatter.TryFormat(value.Length, span, out int written);
        span[written++] = (byte)':';
        value.CopyTo(span[written..]);
        output.Advance(written + value.Length);
    }

    public void WriteString(string value)
    {
        int byteCount = Encoding.UTF8.GetByteCount(value);
        var span = output.GetSpan(11 + byteCount);
        Utf8Formatter.TryFormat(byteCount, span, out int written);
        span[written++] = (byte)':';
        Encoding.UTF8.GetBytes(value, span[written..]);
        output.Advance(written + byteCount);
    }

    public void WriteListStart() => WriteByte((byte)'l');

    public void WriteDictionaryStart() => WriteByte((byte)'d');

    public void WriteEnd() => WriteByte((byte)'e');

    /// <summary>Copies already-encoded bytes verbatim (e.g. an info dictionary kept as found).</summary>
    public void WriteRaw(ReadOnlySpan<byte> encoded) => output.Write(encoded);

    private void WriteByte(byte b)
    {
        output.GetSpan(1)[0] = b;
        output.Advance(1);
    }
}
