using Shoal.Metainfo;

namespace Shoal.Tests.Metainfo;

public class InfoHashTests
{
    [Fact]
    public void HexAndBase32FormsRoundTrip()
    {
        var bytes = Enumerable.Range(0, 20).Select(i => (byte)(i * 13 + 7)).ToArray();
        var hash = new InfoHash(bytes);
        Assert.Equal(40, hash.ToHex().Length);
        Assert.Equal(32, hash.ToBase32().Length);
        Assert.Equal(hash, InfoHash.Parse(hash.ToHex()));
        Assert.Equal(hash, InfoHash.Parse(hash.ToHex().ToUpperInvariant()));
        Assert.Equal(hash, InfoHash.Parse(hash.ToBase32()));
        Assert.Equal(hash, InfoHash.Parse(hash.ToBase32().ToLowerInvariant()));
        Assert.Equal(bytes, hash.ToArray());
        Assert.True(hash == new InfoHash(bytes));
        Assert.False(hash != new InfoHash(bytes));
    }

    [Fact]
    public void KnownBase32Value()
    {
        // Checked with Python: base64.b32encode(bytes.fromhex(...)).
        Assert.Equal("YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKEK", InfoHash.Parse("c12fe1c06bba254a9dc9f519b335aa7c1367a88a").ToBase32());
    }

    [Theory]
    [InlineData("")]
    [InlineData("c12fe1c06bba254a9dc9f519b335aa7c1367a88")]
    [InlineData("c12fe1c06bba254a9dc9f519b335aa7c1367a88az")]
    [InlineData("z12fe1c06bba254a9dc9f519b335aa7c1367a88a")]
    [InlineData("YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKE0")]
    [InlineData("YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKE")]
    public void RejectsMalformedText(string text)
    {
        Assert.False(InfoHash.TryParse(text, out _));
        Assert.Throws<FormatException>(() => InfoHash.Parse(text));
    }

    [Fact]
    public void RequiresTwentyBytes() => Assert.Throws<ArgumentException>(() => new InfoHash(new byte[19]));
}
