using System.Security.Cryptography;
using Shoal.Metainfo;

namespace Shoal.Tests.Metainfo;

public class InfoHashesTests
{
    private static readonly byte[] Info = "d4:name1:xe"u8.ToArray();

    [Fact]
    public void AV2HashIsTheSha256OfTheInfoAndItsWireFormTheFirst20Bytes()
    {
        var v2 = InfoHashV2.Compute(Info);
        Assert.Equal(SHA256.HashData(Info), v2.Span.ToArray());
        Assert.Equal(SHA256.HashData(Info)[..20], v2.Truncated.ToArray());
        Assert.Equal("1220" + v2.ToHex(), v2.ToMultihash());
        Assert.True(InfoHashV2.TryParse(v2.ToHex(), out var parsed) && parsed == v2);
        Assert.True(InfoHashV2.TryParse(v2.ToMultihash(), out parsed) && parsed == v2);
        Assert.False(InfoHashV2.TryParse(v2.ToHex().AsSpan(0, 63), out _));
        Assert.False(InfoHashV2.TryParse("zz" + v2.ToHex().Substring(2), out _));
    }

    [Fact]
    public void AHybridAnswersToBothWireFormsAndPrefersV1()
    {
        var v1 = InfoHash.Compute(Info);
        var v2 = InfoHashV2.Compute(Info);
        var hybrid = new InfoHashes(v1, v2);
        Assert.True(hybrid.IsHybrid);
        Assert.Equal(v1, hybrid.Primary);
        Assert.Equal([v1, v2.Truncated], hybrid.WireForms);
        Assert.True(hybrid.Matches(v1));
        Assert.True(hybrid.Matches(v2.Truncated));
        Assert.True(hybrid.IsV2Swarm(v2.Truncated));
        Assert.False(hybrid.IsV2Swarm(v1));
        Assert.False(hybrid.Matches(InfoHash.Compute("other"u8)));

        var only2 = new InfoHashes(v2);
        Assert.Equal(v2.Truncated, only2.Primary);
        Assert.Equal([v2.Truncated], only2.WireForms);
        Assert.False(only2.Matches(v1));
        Assert.Equal(new InfoHashes(v1, v2), hybrid);
        Assert.NotEqual(new InfoHashes(v1), hybrid);
        Assert.Throws<ArgumentException>(() => new InfoHashes(null, null));
    }
}
