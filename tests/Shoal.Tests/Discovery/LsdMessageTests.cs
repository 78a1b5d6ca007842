using System.Net;
using System.Text;
using CsCheck;
using Microsoft.Extensions.Time.Testing;
using Shoal.Discovery;
using Shoal.Metainfo;

namespace Shoal.Tests.Discovery;

public class LsdMessageTests
{
    private static InfoHash H(int i) => InfoHash.Compute(BitConverter.GetBytes(i));

    [Fact]
    public void Encodes_the_BEP_14_announce()
    {
        var hash = InfoHash.Parse("0123456789abcdef0123456789abcdef01234567");
        var packet = Assert.Single(LsdMessage.Encode(LsdMessage.IPv4Group, 6881, [hash], "c00k1e"));
        Assert.Equal("BT-SEARCH * HTTP/1.1\r\nHost: 239.192.152.143:6771\r\nPort: 6881\r\n" +
            "Infohash: 0123456789abcdef0123456789abcdef01234567\r\ncookie: c00k1e\r\n\r\n\r\n", Encoding.ASCII.GetString(packet));
        var v6 = Encoding.ASCII.GetString(Assert.Single(LsdMessage.Encode(LsdMessage.IPv6Group, 6881, [hash], "x")));
        Assert.Contains("Host: [ff15::efc0:988f]:6771\r\n", v6);
    }

    [Fact]
    public void Round_trips_and_splits_many_hashes_under_1400_bytes()
    {
        var hashes = Enumerable.Range(0, 100).Select(H).ToList();
        var packets = LsdMessage.Encode(LsdMessage.IPv4Group, 51413, hashes, "abc");
        Assert.True(packets.Count > 1);
        Assert.All(packets, p => Assert.True(p.Length <= LsdMessage.MaxPacketSize));
        var got = new List<InfoHash>();
        foreach (var packet in packets)
        {
            Assert.True(LsdMessage.TryParse(packet, out var announce));
            Assert.Equal(51413, announce.Port);
            Assert.Equal("abc", announce.Cookie);
            got.AddRange(announce.InfoHashes);
        }
        Assert.Equal(hashes, got);
    }

    [Fact]
    public void Refuses_to_address_anything_but_a_multicast_group()
    {
        Assert.Throws<ArgumentException>(() => LsdMessage.Encode(new IPEndPoint(IPAddress.Parse("192.168.1.5"), 6771), 1, [H(1)], "c"));
        Assert.Throws<ArgumentException>(() => LsdMessage.Encode(new IPEndPoint(IPAddress.Parse("2001:db8::1"), 6771), 1, [H(1)], "c"));
    }

    [Fact]
    public void Parses_what_other_clients_send_leniently()
    {
        // Header names in any case, bare \n line ends, unknown headers, upper-case hex, no cookie.
        var text = "BT-SEARCH * HTTP/1.1\nhost: 239.192.152.143:6771\nPORT: 6881\nX-Other: 1\nINFOHASH: 0123456789ABCDEF0123456789ABCDEF01234567\n\n";
        Assert.True(LsdMessage.TryParse(Encoding.ASCII.GetBytes(text), out var announce));
        Assert.Equal(6881, announce.Port);
        Assert.Null(announce.Cookie);
        Assert.Equal(InfoHash.Parse("0123456789abcdef0123456789abcdef01234567"), Assert.Single(announce.InfoHashes));
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nPort: 1\r\nInfohash: 0123456789abcdef0123456789abcdef01234567\r\n\r\n")]
    [InlineData("BT-SEARCH * HTTP/1.1\r\nInfohash: 0123456789abcdef0123456789abcdef01234567\r\n\r\n")] // no port
    [InlineData("BT-SEARCH * HTTP/1.1\r\nPort: 1\r\n\r\n")] // no hash
    [InlineData("BT-SEARCH * HTTP/1.1\r\nPort: 0\r\nInfohash: 0123456789abcdef0123456789abcdef01234567\r\n\r\n")]
    [InlineData("BT-SEARCH * HTTP/1.1\r\nPort: 70000\r\nInfohash: 0123456789abcdef0123456789abcdef01234567\r\n\r\n")]
    [InlineData("BT-SEARCH * HTTP/1.1\r\nPort: -5\r\nInfohash: 0123456789abcdef0123456789abcdef01234567\r\n\r\n")]
    [InlineData("BT-SEARCH * HTTP/1.1\r\nPort: 1\r\nInfohash: 0123456789abcdef\r\n\r\n")] // short hash
    [InlineData("BT-SEARCH * HTTP/1.1\r\nPort: 1\r\nInfohash: ABCDEFGHIJKLMNOPQRSTUVWXYZ234567\r\n\r\n")] // base32 is not LSD
    [InlineData("BT-SEARCH * HTTP/1.1\r\nno colon here\r\n\r\n")]
    public void Rejects_malformed_announces(string text)
    {
        Assert.False(LsdMessage.TryParse(Encoding.ASCII.GetBytes(text), out _));
    }

    [Fact]
    public void Rejects_oversized_and_binary_datagrams()
    {
        var big = "BT-SEARCH * HTTP/1.1\r\nPort: 1\r\n" + string.Concat(Enumerable.Range(0, 40).Select(i => $"Infohash: {H(i).ToHex()}\r\n")) + "\r\n";
        Assert.True(big.Length > LsdMessage.MaxReceivedSize);
        Assert.False(LsdMessage.TryParse(Encoding.ASCII.GetBytes(big), out _));
        var binary = Encoding.ASCII.GetBytes("BT-SEARCH * HTTP/1.1\r\nPort: 1\r\nInfohash: 0123456789abcdef0123456789abcdef01234567\r\n\r\n");
        binary[30] = 0;
        Assert.False(LsdMessage.TryParse(binary, out _));
    }

    [Fact]
    public void Takes_at_most_20_hashes_from_one_announce()
    {
        var text = "BT-SEARCH * HTTP/1.1\r\nPort: 1\r\n" + string.Concat(Enumerable.Range(0, 28).Select(i => $"Infohash:{H(i).ToHex()}\r\n"));
        Assert.True(text.Length <= LsdMessage.MaxReceivedSize);
        Assert.True(LsdMessage.TryParse(Encoding.ASCII.GetBytes(text), out var announce));
        Assert.Equal(LsdMessage.MaxInfoHashesPerAnnounce, announce.InfoHashes.Count);
    }

    [Fact]
    public void Never_throws_on_garbage()
    {
        var prefix = Encoding.ASCII.GetBytes("BT-SEARCH * HTTP/1.1\r\n");
        Gen.Byte.Array[0, 300].Sample(bytes =>
        {
            LsdMessage.TryParse(bytes, out _);
            LsdMessage.TryParse([.. prefix, .. bytes], out _);
        }, iter: 20_000);
    }

    [Fact]
    public void Inbox_drops_our_own_announces_and_limits_the_rate()
    {
        var time = new FakeTimeProvider();
        var inbox = new LsdInbox("mine", maxPerSecond: 5, time);
        var source = IPEndPoint.Parse("10.77.0.2:6771");
        var ours = LsdMessage.Encode(LsdMessage.IPv4Group, 7000, [H(1)], "mine")[0];
        var theirs = LsdMessage.Encode(LsdMessage.IPv4Group, 7000, [H(1)], "theirs")[0];
        Assert.Null(inbox.Accept(ours, source));
        Assert.NotNull(inbox.Accept(theirs, source));
        for (int i = 0; i < 3; i++) Assert.NotNull(inbox.Accept(theirs, source));
        Assert.Null(inbox.Accept(theirs, source)); // sixth in this second
        Assert.Equal(1, inbox.Dropped);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.NotNull(inbox.Accept(theirs, source));
    }

    [Fact]
    public void Inbox_reports_a_neighbour_once_a_minute()
    {
        var time = new FakeTimeProvider();
        var inbox = new LsdInbox("mine", 100, time);
        var peer = IPEndPoint.Parse("10.77.0.2:7000");
        Assert.True(inbox.IsNew(H(1), peer));
        Assert.False(inbox.IsNew(H(1), peer));
        Assert.True(inbox.IsNew(H(2), peer));
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(inbox.IsNew(H(1), peer));
    }
}
