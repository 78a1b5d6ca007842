using System.Net;
using CsCheck;
using Shoal.Wire;

namespace Shoal.Tests.Wire;

public class ExtensionHandshakeTests
{
    [Fact]
    public void Round_trips_every_field()
    {
        var sent = new ExtensionHandshake
        {
            ListenPort = 6881,
            ClientName = "Shoal 0.1.0",
            RequestQueueDepth = 500,
            YourIp = IPAddress.Parse("10.0.0.7"),
            MetadataSize = 31235,
            UploadOnly = true,
        };
        sent.Extensions["ut_metadata"] = 1;
        sent.Extensions["ut_pex"] = 2;
        var got = ExtensionHandshake.Parse(sent.Encode());
        Assert.Equal(6881, got.ListenPort);
        Assert.Equal("Shoal 0.1.0", got.ClientName);
        Assert.Equal(500, got.RequestQueueDepth);
        Assert.Equal(IPAddress.Parse("10.0.0.7"), got.YourIp);
        Assert.Equal(31235, got.MetadataSize);
        Assert.True(got.UploadOnly);
        Assert.Equal(1, got.Extensions["ut_metadata"]);
        Assert.Equal(2, got.Extensions["ut_pex"]);
    }

    [Fact]
    public void Hostile_values_are_bounded_or_dropped()
    {
        var got = ExtensionHandshake.Parse("d1:md6:ut_pexi999ee1:pi70000e4:reqqi99999999e6:yourip3:abce"u8);
        Assert.False(got.Extensions.ContainsKey("ut_pex"));
        Assert.Null(got.ListenPort);
        Assert.Equal(ExtensionHandshake.MaxRequestQueue, got.RequestQueueDepth);
        Assert.Null(got.YourIp);
    }

    [Fact]
    public void Garbage_only_raises_WireProtocolException()
    {
        Gen.Byte.Array[0, 100].Sample(bytes =>
        {
            try { ExtensionHandshake.Parse(bytes); }
            catch (WireProtocolException) { }
        }, iter: 20_000);
    }
}
