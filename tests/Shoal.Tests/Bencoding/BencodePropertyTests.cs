using CsCheck;
using Shoal.Bencoding;

namespace Shoal.Tests.Bencoding;

public class BencodePropertyTests
{
    /// <summary>Any bencode value up to four levels deep.</summary>
    internal static readonly Gen<BValue> Values = Value(4);

    private static Gen<BValue> Value(int depth)
    {
        var leaf = Gen.OneOf(
            Gen.Long.Select(n => (BValue)new BInteger(n)),
            Gen.Int[-1000, 1000].Select(n => (BValue)new BInteger(n)),
            Gen.Byte.Array[0, 24].Select(b => (BValue)new BString(b)));
        if (depth == 0) return leaf;
        var inner = Value(depth - 1);
        var list = inner.Array[0, 5].Select(items => (BValue)new BList(items));
        var dict = Gen.Select(Gen.Byte.Array[0, 6], inner).Array[0, 5].Select(entries =>
        {
            var d = new BDictionary();
            foreach (var (key, value) in entries) d.Set(key, value);
            return (BValue)d;
        });
        return Gen.Frequency((3, leaf), (1, list), (1, dict));
    }

    [Fact]
    public void EncodeThenParseGivesTheSameValue()
    {
        Values.Sample(value =>
        {
            var encoded = value.Encode();
            var parsed = BValue.Parse(encoded);
            Assert.Equal(value, parsed);
            Assert.Equal(encoded, parsed.Encode());
        }, iter: 5000);
    }

    [Fact]
    public void ReaderWalkAndRawValueCoverEveryByte()
    {
        Values.Sample(value =>
        {
            var encoded = value.Encode();
            var reader = new BencodeReader(encoded);
            Assert.Equal(encoded, reader.ReadRawValue().ToArray());
            reader.EnsureEnd();
        }, iter: 2000);
    }

    [Fact]
    public void RandomBytesThrowOnlyBencodeException()
    {
        var alphabet = Gen.Char["ilde0123456789-:ax"].Array[0, 40].Select(chars => chars.Select(c => (byte)c).ToArray());
        Gen.OneOf(Gen.Byte.Array[0, 64], alphabet).Sample(ParseOrBencodeException, iter: 20000);
    }

    [Fact]
    public void MutatedEncodingsThrowOnlyBencodeException()
    {
        Gen.Select(Values, Gen.Int, Gen.Byte, Gen.Int[0, 3]).Sample((value, position, b, kind) =>
            ParseOrBencodeException(Mutate(value.Encode(), position, b, kind)), iter: 20000);
    }

    /// <summary>Replaces, inserts, deletes a byte or truncates at a position chosen from <paramref name="seed"/>.</summary>
    internal static byte[] Mutate(byte[] data, int seed, byte b, int kind)
    {
        if (data.Length == 0) return [b];
        int at = (int)((uint)seed % (uint)data.Length);
        var list = data.ToList();
        switch (kind)
        {
            case 0: list[at] = b; break;
            case 1: list.Insert(at, b); break;
            case 2: list.RemoveAt(at); break;
            default: list.RemoveRange(at, list.Count - at); break;
        }
        return list.ToArray();
    }

    private static void ParseOrBencodeException(byte[] data)
    {
        try
        {
            var value = BValue.Parse(data);
            // Whatever parses is canonical: it re-encodes to exactly the input.
            Assert.Equal(data, value.Encode());
        }
        catch (BencodeException)
        {
        }
    }
}
