using Shoal.Swarm;
using System.Net;
using System.Text;
using CsCheck;
using Shoal.Wire;

namespace Shoal.Tests.Swarm;

public class PexMessageTests
{
    private static IPEndPoint E(string text) => IPEndPoint.Parse(text);

    [Fact]
    public void Round_trips_both_families_with_flags()
    {
        var sent = new PexMessage(
            [new(E("10.0.0.1:6881"), PexFlags.Seed | PexFlags.Reachable), new(E("[2001:db8::1]:51413"), PexFlags.Reachable), new(E("10.0.0.2:1"))],
            [E("192.168.1.9:7000"), E("[fe80::2]:80")]);
        var got = PexMessage.Parse(sent.Encode());
        Assert.Equal(sent.Added.OrderBy(p => p.EndPoint.ToString()), got.Added.OrderBy(p => p.EndPoint.ToString()));
        Assert.Equal(sent.Dropped.OrderBy(e => e.ToString()), got.Dropped.OrderBy(e => e.ToString()));
    }

    [Fact]
    public void Encodes_compact_entries_as_in_BEP_11()
    {
        var bytes = new PexMessage([new(E("1.2.3.4:258"), PexFlags.Seed)]).Encode();
        var text = Encoding.Latin1.GetString(bytes);
        Assert.Equal("d5:added6:\u0001\u0002\u0003\u0004\u0001\u00027:added.f1:\u00026:added60:8:added6.f0:7:dropped0:8:dropped60:e", text);
    }

    [Fact]
    public void Flags_of_the_wrong_length_are_ignored_not_fatal()
    {
        var got = PexMessage.Parse(Encoding.Latin1.GetBytes("d5:added12:\u0001\u0002\u0003\u0004\u0001\u0002\u0005\u0006\u0007\u0008\u0001\u00027:added.f1:\u0002e"));
        Assert.Equal(2, got.Added.Count);
        Assert.All(got.Added, p => Assert.Equal(PexFlags.None, p.Flags));
    }

    [Fact]
    public void Port_zero_entries_are_skipped()
    {
        var got = PexMessage.Parse(Encoding.Latin1.GetBytes("d5:added6:\u0001\u0002\u0003\u0004\u0000\u0000e"));
        Assert.Empty(got.Added);
    }

    [Fact]
    public void Keeps_at_most_the_requested_number_of_entries()
    {
        var many = Enumerable.Range(1, 300).Select(i => new PexPeer(new IPEndPoint(new IPAddress([10, 0, (byte)(i >> 8), (byte)i]), 1000 + i))).ToList();
        var got = PexMessage.Parse(new PexMessage(many, many.Select(p => p.EndPoint)).Encode(), maxEntries: 100);
        Assert.Equal(100, got.Added.Count);
        Assert.Equal(100, got.Dropped.Count);
    }

    [Theory]
    [InlineData("le")]
    [InlineData("d5:added5:abcdee")] // not whole 6-byte entries
    [InlineData("d6:added617:aaaaaaaaaaaaaaaaae")] // not whole 18-byte entries
    [InlineData("d7:droppedi5ee")]
    [InlineData("d5:added")]
    public void Malformed_messages_raise_WireProtocolException(string text)
    {
        Assert.Throws<WireProtocolException>(() => PexMessage.Parse(Encoding.Latin1.GetBytes(text)));
    }

    [Fact]
    public void Garbage_only_raises_WireProtocolException_and_respects_bounds()
    {
        Gen.Byte.Array[0, 200].Sample(bytes =>
        {
            try
            {
                var m = PexMessage.Parse(bytes, maxEntries: 10);
                Assert.True(m.Added.Count <= 10 && m.Dropped.Count <= 10);
            }
            catch (WireProtocolException) { }
        }, iter: 20_000);
    }
}
