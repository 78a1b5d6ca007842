using System.Buffers;
using System.Text;
using Shoal.Bencoding;

namespace Shoal.Tests.Bencoding;

public class BValueTests
{
    private static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    [Fact]
    public void WriterProducesCanonicalEncoding()
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new BencodeWriter(buffer);
        writer.WriteListStart();
        writer.WriteInteger(0);
        writer.WriteInteger(-42);
        writer.WriteInteger(long.MinValue);
        writer.WriteString("spam"u8);
        writer.WriteString("é");
        writer.WriteString(ReadOnlySpan<byte>.Empty);
        writer.WriteDictionaryStart();
        writer.WriteString("k");
        writer.WriteRaw("i1e"u8);
        writer.WriteEnd();
        writer.WriteEnd();
        Assert.Equal("li0ei-42ei-9223372036854775808e4:spam2:é0:d1:ki1eee", Text(buffer.WrittenSpan.ToArray()));
    }

    [Fact]
    public void LongStringsAreWrittenWhole()
    {
        var big = new byte[100_000];
        Random.Shared.NextBytes(big);
        var encoded = new BString(big).Encode();
        Assert.Equal(big, ((BString)BValue.Parse(encoded)).Bytes.ToArray());
    }

    [Fact]
    public void DictionaryKeepsRawByteKeyOrderWhateverTheInsertionOrder()
    {
        var dict = new BDictionary { { "zeta", 1 }, { "alpha", "a" }, { "Beta", 2 }, { "é", 3 }, { "alphabet", 4 } };
        Assert.Equal("d4:Betai2e5:alpha1:a8:alphabeti4e4:zetai1e2:éi3ee", Text(dict.Encode()));
    }

    [Fact]
    public void DictionarySetReplacesAndNullRemoves()
    {
        var dict = new BDictionary { { "a", 1 }, { "b", 2 } };
        dict["a"] = new BInteger(5);
        dict["b"] = null;
        dict["c"] = new BString("x");
        Assert.Equal(2, dict.Count);
        Assert.Equal(5, dict.Get<BInteger>("a")!.Value);
        Assert.Null(dict["b"]);
        Assert.True(dict.ContainsKey("c"));
        Assert.False(dict.ContainsKey("b"));
        Assert.Null(dict.Get<BInteger>("c"));
        Assert.True(dict.TryGetValue("c"u8, out var c));
        Assert.Equal("x", ((BString)c).Text);
    }

    [Fact]
    public void ParseBuildsTheTree()
    {
        var value = (BDictionary)BValue.Parse("d4:dictd1:xi0ee4:listli1e3:twoe3:numi-3e3:str5:helloe"u8);
        var list = Assert.IsType<BList>(value["list"]);
        Assert.Equal(2, list.Count);
        Assert.Equal(1, ((BInteger)list[0]).Value);
        Assert.Equal("two", list[1].ToString());
        Assert.Equal(-3, value.Get<BInteger>("num")!.Value);
        Assert.Equal("hello", value.Get<BString>("str")!.Text);
        Assert.Equal(0, ((BInteger)value.Get<BDictionary>("dict")!["x"]!).Value);
    }

    [Fact]
    public void EqualityIsStructural()
    {
        var a = BValue.Parse("d1:ali1e1:xee"u8);
        var b = BValue.Parse("d1:ali1e1:xee"u8);
        var c = BValue.Parse("d1:ali2e1:xee"u8);
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, c);
        Assert.NotEqual<BValue>(new BInteger(1), new BString("1"));
    }

    [Fact]
    public void InvalidUtf8StaysIntactAsBytes()
    {
        byte[] raw = [(byte)'2', (byte)':', 0xff, 0xfe];
        var value = (BString)BValue.Parse(raw);
        Assert.Equal([0xff, 0xfe], value.Bytes.ToArray());
        Assert.Equal(raw, value.Encode());
    }

    [Fact]
    public void ReadTakesOneValueAtATime()
    {
        var reader = new BencodeReader("li1eei2e"u8);
        var first = BValue.Read(ref reader);
        Assert.IsType<BList>(first);
        Assert.Equal(2, ((BInteger)BValue.Read(ref reader)).Value);
        reader.EnsureEnd();
    }
}
