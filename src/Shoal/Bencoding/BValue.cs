using System.Buffers;

namespace Shoal.Bencoding;

/// <summary>
/// A small immutable-ish value tree for bencode, for the places where convenience beats speed
/// (tracker responses, extension handshakes, building .torrent files). Hot paths use <see cref="BencodeReader"/>.
/// </summary>
public abstract class BValue
{
    private protected BValue() { }

    public abstract void WriteTo(BencodeWriter writer);

    public byte[] Encode()
    {
        var buffer = new ArrayBufferWriter<byte>();
        WriteTo(new BencodeWriter(buffer));
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Parses exactly one value that spans all of <paramref name="data"/>.</summary>
    public static BValue Parse(ReadOnlySpan<byte> data, int maxDepth = 32)
    {
        var reader = new BencodeReader(data, maxDepth);
        var value = Read(ref reader);
        reader.EnsureEnd();
        return value;
    }

    /// <summary>Reads the next value from a reader positioned at it.</summary>
    public static BValue Read(ref BencodeReader reader)
    {
        switch (reader.Peek())
        {
            case BencodeTokenType.Integer:
                return new BInteger(reader.ReadInteger());
            case BencodeTokenType.String:
                return new BString(reader.ReadString().ToArray());
            case BencodeTokenType.ListStart:
            {
                reader.ReadListStart();
                var list = new BList();
                while (!reader.TryReadEnd()) list.Add(Read(ref reader));
                return list;
            }
            case BencodeTokenType.DictionaryStart:
            {
                reader.ReadDictionaryStart();
                var dict = new BDictionary();
                while (!reader.TryReadEnd())
                {
                    var key = reader.ReadString().ToArray();
                    dict.AddSorted(key, Read(ref reader));
                }
                return dict;
            }
            case BencodeTokenType.End:
                throw new BencodeException("expected a value, found 'e'", reader.Position);
            default:
                throw new BencodeException(reader.Depth > 0 ? "unterminated list or dictionary" : "unexpected end of input", reader.Position);
        }
    }
}
