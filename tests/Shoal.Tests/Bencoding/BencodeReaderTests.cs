using System.Text;
using Shoal.Bencoding;

namespace Shoal.Tests.Bencoding;

public class BencodeReaderTests
{
    private static byte[] B(string s) => Encoding.Latin1.GetBytes(s);

    [Theory]
    [InlineData("i0e", 0L)]
    [InlineData("i42e", 42L)]
    [InlineData("i-7e", -7L)]
    [InlineData("i9223372036854775807e", long.MaxValue)]
    [InlineData("i-9223372036854775808e", long.MinValue)]
    public void ReadsIntegers(string input, long expected)
    {
        var reader = new BencodeReader(B(input));
        Assert.Equal(BencodeTokenType.Integer, reader.Peek());
        Assert.Equal(expected, reader.ReadInteger());
        reader.EnsureEnd();
    }

    [Theory]
    [InlineData("i03e", "leading zero")]
    [InlineData("i00e", "leading zero")]
    [InlineData("i-0e", "negative zero")]
    [InlineData("i-03e", "negative zero")]
    [InlineData("ie", "empty integer")]
    [InlineData("i-e", "empty integer")]
    [InlineData("i9223372036854775808e", "does not fit in 64 bits")]
    [InlineData("i-9223372036854775809e", "does not fit in 64 bits")]
    [InlineData("i99999999999999999999e", "does not fit in 64 bits")]
    [InlineData("i123456789012345678901234567890e", "does not fit in 64 bits")]
    [InlineData("i12", "unterminated integer")]
    [InlineData("i", "unterminated integer")]
    [InlineData("i1x2e", "invalid byte 0x78 in integer")]
    [InlineData("i+1e", "invalid byte 0x2b in integer")]
    [InlineData("i--1e", "invalid byte 0x2d in integer")]
    [InlineData("i 1e", "invalid byte 0x20 in integer")]
    public void RejectsMalformedIntegers(string input, string reason)
    {
        var ex = Assert.Throws<BencodeException>(() => BValue.Parse(B(input)));
        Assert.Contains(reason, ex.Message);
    }

    [Theory]
    [InlineData("0:", "")]
    [InlineData("3:abc", "abc")]
    [InlineData("4:a:bc", "a:bc")]
    [InlineData("5:i1e:e", "i1e:e")]
    public void ReadsStrings(string input, string expected)
    {
        var reader = new BencodeReader(B(input));
        Assert.Equal(expected, Encoding.Latin1.GetString(reader.ReadString()));
        reader.EnsureEnd();
    }

    [Theory]
    [InlineData("03:abc", "leading zero")]
    [InlineData("00:", "leading zero")]
    [InlineData("-1:a", "unexpected byte 0x2d")]
    [InlineData("4:abc", "runs past the end")]
    [InlineData("3abc", "invalid byte 0x61 in string length")]
    [InlineData("3", "unterminated string length")]
    [InlineData("99999999999999999999:a", "does not fit in 64 bits")]
    [InlineData("9223372036854775807:a", "runs past the end")]
    public void RejectsMalformedStrings(string input, string reason)
    {
        var ex = Assert.Throws<BencodeException>(() => BValue.Parse(B(input)));
        Assert.Contains(reason, ex.Message);
    }

    [Theory]
    [InlineData("l", "unterminated list or dictionary")]
    [InlineData("li1e", "unterminated list or dictionary")]
    [InlineData("d", "unterminated list or dictionary")]
    [InlineData("d1:a", "unterminated list or dictionary")]
    [InlineData("d1:ae", "expected a value, found 'e'")]
    [InlineData("di1ei2ee", "dictionary key is not a string")]
    [InlineData("dli1eei2ee", "dictionary key is not a string")]
    [InlineData("e", "expected a value, found 'e'")]
    [InlineData("", "unexpected end of input")]
    [InlineData("x", "unexpected byte 0x78")]
    [InlineData("lxe", "unexpected byte 0x78")]
    public void RejectsMalformedContainers(string input, string reason)
    {
        var ex = Assert.Throws<BencodeException>(() => BValue.Parse(B(input)));
        Assert.Contains(reason, ex.Message);
    }

    [Fact]
    public void DictionaryKeyWithoutValueIsRejectedByTheReader()
    {
        var reader = new BencodeReader(B("d1:ae"));
        reader.ReadDictionaryStart();
        reader.ReadString();
        try
        {
            reader.TryReadEnd();
            Assert.Fail("expected an exception");
        }
        catch (BencodeException ex)
        {
            Assert.Contains("dictionary key has no value", ex.Message);
        }
    }

    [Theory]
    [InlineData("i1ei2e", 3)]
    [InlineData("lee", 1)]
    [InlineData("3:abcxyz", 3)]
    [InlineData("de\n", 1)]
    public void RejectsTrailingBytes(string input, int trailing)
    {
        var ex = Assert.Throws<BencodeException>(() => BValue.Parse(B(input)));
        Assert.Contains($"{trailing} trailing bytes after the value", ex.Message);
    }

    [Fact]
    public void DuplicateKeyIsNamed()
    {
        var ex = Assert.Throws<BencodeException>(() => BValue.Parse(B("d4:name1:a4:name1:be")));
        Assert.Contains("duplicate dictionary key \"name\"", ex.Message);
        Assert.Equal(10, ex.Position);
    }

    [Fact]
    public void UnsortedKeyIsNamedWithItsPredecessor()
    {
        var ex = Assert.Throws<BencodeException>(() => BValue.Parse(B("d5:piecei1e4:infoi2ee")));
        Assert.Contains("dictionary key \"info\" is out of order (after \"piece\")", ex.Message);
    }

    [Fact]
    public void KeysAreOrderedAsRawBytesNotAsText()
    {
        // 'Z' (0x5a) sorts before 'a' (0x61), and a prefix before its extensions.
        BValue.Parse(B("d1:Zi1e1:ai2e2:aai3ee"));
        Assert.Throws<BencodeException>(() => BValue.Parse(B("d1:ai1e1:Zi2ee")));
        Assert.Throws<BencodeException>(() => BValue.Parse(B("d2:aai1e1:ai2ee")));
    }

    [Fact]
    public void KeyOrderIsCheckedPerDictionary()
    {
        // The inner dictionary's keys are compared with each other only, not with the outer ones.
        var value = (BDictionary)BValue.Parse(B("d1:bd1:ai1ee1:ci2ee"));
        Assert.Equal(2, value.Count);
    }

    [Fact]
    public void NonPrintableKeysAreShownSafely()
    {
        var ex = Assert.Throws<BencodeException>(() => BValue.Parse(B("d2:\u0001bi1e2:\u0001bi2ee")));
        Assert.Contains("\"?b\"", ex.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(32)]
    public void AcceptsNestingUpToTheLimit(int depth)
    {
        BValue.Parse(B(new string('l', depth) + new string('e', depth)));
    }

    [Fact]
    public void RejectsNestingBeyondTheLimit()
    {
        var ex = Assert.Throws<BencodeException>(() => BValue.Parse(B(new string('l', 33) + new string('e', 33))));
        Assert.Contains("nesting deeper than 32 levels", ex.Message);
        Assert.Equal(32, ex.Position);
    }

    [Fact]
    public void CustomDepthLimitApplies()
    {
        Assert.Throws<BencodeException>(() => BValue.Parse(B("llleee"), maxDepth: 2));
        BValue.Parse(B("llee"), maxDepth: 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => new BencodeReader(B("le"), maxDepth: BencodeReader.MaxDepth + 1));
    }

    [Fact]
    public void DeepNestingWithinStringsIsNotNesting()
    {
        var inner = new string('l', 1000);
        BValue.Parse(B($"{inner.Length}:{inner}"));
    }

    [Fact]
    public void ReadRawValueReturnsTheExactBytes()
    {
        var data = B("d4:infod6:lengthi5e4:name1:xe3:zzzi1ee");
        var reader = new BencodeReader(data);
        reader.ReadDictionaryStart();
        Assert.Equal("info", Encoding.ASCII.GetString(reader.ReadString()));
        int start = reader.Position;
        var raw = reader.ReadRawValue();
        Assert.Equal("d6:lengthi5e4:name1:xe", Encoding.ASCII.GetString(raw));
        Assert.Equal(7, start); // after "d" and "4:info"
        Assert.Equal("zzz", Encoding.ASCII.GetString(reader.ReadString()));
        Assert.Equal(1, reader.ReadInteger());
        Assert.True(reader.TryReadEnd());
        reader.EnsureEnd();
    }

    [Fact]
    public void ReadRawValueStillValidates()
    {
        Assert.Throws<BencodeException>(() => ReadRaw(B("ld1:bi1e1:ai2eee")));

        static void ReadRaw(byte[] data)
        {
            var r = new BencodeReader(data);
            r.ReadListStart();
            r.ReadRawValue();
        }
    }

    [Fact]
    public void SkipValueSkipsNestedContainers()
    {
        var reader = new BencodeReader(B("ld1:ald1:bi1eeee3:endi7ee"));
        reader.ReadListStart();
        reader.SkipValue();
        Assert.Equal("end", Encoding.ASCII.GetString(reader.ReadString()));
        Assert.Equal(7, reader.ReadInteger());
        Assert.True(reader.TryReadEnd());
        Assert.True(reader.IsAtEnd);
        Assert.Equal(0, reader.Depth);
    }

    [Fact]
    public void PeekReportsTokensAndDepthTracksContainers()
    {
        var reader = new BencodeReader(B("ld1:ai1eee"));
        Assert.Equal(BencodeTokenType.ListStart, reader.Peek());
        reader.ReadListStart();
        Assert.Equal(1, reader.Depth);
        Assert.Equal(BencodeTokenType.DictionaryStart, reader.Peek());
        reader.ReadDictionaryStart();
        Assert.True(reader.ExpectingKey);
        Assert.Equal(BencodeTokenType.String, reader.Peek());
        reader.ReadString();
        Assert.False(reader.ExpectingKey);
        reader.ReadInteger();
        Assert.Equal(BencodeTokenType.End, reader.Peek());
        Assert.True(reader.TryReadEnd());
        Assert.True(reader.TryReadEnd());
        Assert.Equal(BencodeTokenType.None, reader.Peek());
    }

    [Fact]
    public void ErrorPositionPointsAtTheFault()
    {
        var ex = Assert.Throws<BencodeException>(() => BValue.Parse(B("li1ei01ee")));
        Assert.Equal(5, ex.Position);
        Assert.Equal("integer with a leading zero", ex.Reason);
        Assert.IsAssignableFrom<FormatException>(ex);
    }
}
