using System.Buffers.Binary;
using System.Net;
using System.Text;
using Shoal.Trackers;
using static Shoal.Tests.Trackers.TrackerTestData;

namespace Shoal.Tests.Trackers;

public class UdpTrackerCodecTests
{
    private static readonly Uri Tracker = new("udp://127.0.0.1:6969/announce");

    [Fact]
    public void Connect_request_layout()
    {
        var packet = new byte[UdpTrackerCodec.ConnectRequestLength];
        UdpTrackerCodec.WriteConnect(packet, 0x01020304);
        Assert.Equal(Convert.FromHexString("0000041727101980" + "00000000" + "01020304"), packet);
    }

    [Fact]
    public void Announce_request_layout_follows_bep15()
    {
        var packet = new byte[UdpTrackerCodec.AnnounceRequestLength];
        var request = Request(AnnounceEvent.Started, port: 0xC8D5, left: 0x0102030405, ip: "10.20.30.40", key: 0xCAFEBABE, numWant: -1);

        UdpTrackerCodec.WriteAnnounce(packet, 0x1122334455667788, 0xAABBCCDD, request);

        Assert.Equal(0x1122334455667788UL, BinaryPrimitives.ReadUInt64BigEndian(packet));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(8)));
        Assert.Equal(0xAABBCCDDu, BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(12)));
        Assert.Equal(AwkwardHash.ToArray(), packet[16..36]);
        Assert.Equal(PeerId, packet[36..56]);
        Assert.Equal(22L, BinaryPrimitives.ReadInt64BigEndian(packet.AsSpan(56)));        // downloaded
        Assert.Equal(0x0102030405L, BinaryPrimitives.ReadInt64BigEndian(packet.AsSpan(64))); // left
        Assert.Equal(11L, BinaryPrimitives.ReadInt64BigEndian(packet.AsSpan(72)));        // uploaded
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(80)));        // started
        Assert.Equal(new byte[] { 10, 20, 30, 40 }, packet[84..88]);
        Assert.Equal(0xCAFEBABEu, BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(88)));
        Assert.Equal(-1, BinaryPrimitives.ReadInt32BigEndian(packet.AsSpan(92)));
        Assert.Equal(0xC8D5, BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(96)));
    }

    [Fact]
    public void Announce_ip_field_is_zero_for_ipv6_or_hostnames()
    {
        var packet = new byte[UdpTrackerCodec.AnnounceRequestLength];
        packet.AsSpan().Fill(0xEE);
        UdpTrackerCodec.WriteAnnounce(packet, 1, 2, Request(ip: "2001:db8::1"));
        Assert.Equal(new byte[4], packet[84..88]);
        UdpTrackerCodec.WriteAnnounce(packet, 1, 2, Request(ip: "host.example"));
        Assert.Equal(new byte[4], packet[84..88]);
    }

    [Theory]
    [InlineData(AnnounceEvent.None, 0u)]
    [InlineData(AnnounceEvent.Completed, 1u)]
    [InlineData(AnnounceEvent.Started, 2u)]
    [InlineData(AnnounceEvent.Stopped, 3u)]
    public void Event_codes_follow_bep15(AnnounceEvent ev, uint code) => Assert.Equal(code, UdpTrackerCodec.EventCode(ev));

    [Fact]
    public void Scrape_request_layout()
    {
        var packet = new byte[UdpTrackerCodec.ScrapeRequestLength];
        UdpTrackerCodec.WriteScrape(packet, 7, 9, AwkwardHash);
        Assert.Equal(Convert.FromHexString("0000000000000007" + "00000002" + "00000009"), packet[..16]);
        Assert.Equal(AwkwardHash.ToArray(), packet[16..]);
    }

    [Fact]
    public void Connect_response_yields_the_connection_id()
    {
        var packet = Convert.FromHexString("00000000" + "01020304" + "0102030405060708");
        Assert.True(UdpTrackerCodec.TryReadHeader(packet, out var action, out var tid));
        Assert.Equal(UdpTrackerCodec.Action.Connect, action);
        Assert.Equal(0x01020304u, tid);
        Assert.Equal(0x0102030405060708UL, UdpTrackerCodec.ReadConnect(packet, Tracker));
    }

    [Fact]
    public void Announce_response_ipv4()
    {
        var packet = Convert.FromHexString("00000001" + "00000005" + "00000708" + "00000003" + "00000002" + "0A000001" + "1AE1" + "C0A80001" + "C8D5");
        var response = UdpTrackerCodec.ReadAnnounce(packet, 6, 100, Tracker);
        Assert.Equal(TimeSpan.FromSeconds(1800), response.Interval);
        Assert.Equal(3, response.Leechers);
        Assert.Equal(2, response.Seeders);
        Assert.Equal([IPEndPoint.Parse("10.0.0.1:6881"), IPEndPoint.Parse("192.168.0.1:51413")], response.Peers);
    }

    [Fact]
    public void Announce_response_ipv6_uses_18_byte_entries()
    {
        var packet = Convert.FromHexString("00000001" + "00000005" + "0000003C" + "00000000" + "00000001" + "20010DB8000000000000000000000001" + "1AE1");
        var response = UdpTrackerCodec.ReadAnnounce(packet, 18, 100, Tracker);
        Assert.Equal([IPEndPoint.Parse("[2001:db8::1]:6881")], response.Peers);
    }

    [Fact]
    public void Scrape_response()
    {
        var packet = Convert.FromHexString("00000002" + "00000009" + "00000004" + "0000000A" + "00000006");
        Assert.Equal(new ScrapeResult(4, 10, 6), UdpTrackerCodec.ReadScrape(packet, Tracker));
    }

    [Fact]
    public void Error_packet_is_a_failure_with_the_message()
    {
        var packet = Convert.FromHexString("00000003" + "00000009").Concat(Encoding.ASCII.GetBytes("Invalid info_hash\n")).ToArray();
        var e = Assert.Throws<TrackerException>(() => UdpTrackerCodec.ReadAnnounce(packet, 6, 100, Tracker));
        Assert.Equal(TrackerErrorKind.Failure, e.Kind);
        Assert.Equal("Invalid info_hash", e.FailureReason);
        Assert.Equal("tracker udp://127.0.0.1:6969/announce refused the request: Invalid info_hash", e.Message);
    }

    [Theory]
    [InlineData("000000010000000500", "answered a too short announce packet (9 bytes, at least 20 expected)")]
    [InlineData("000000010000000500000708000000030000000201020304", "whose 4 bytes of peers are not a multiple of 6")]
    [InlineData("0000000200000005000000000000000000000000", "answered action 2 where announce was expected")]
    [InlineData("0000000100000005800000000000000000000000", "negative interval")]
    [InlineData("000000", "too short for a header")]
    public void Malformed_announce_answers_are_invalid(string hex, string expected)
    {
        var e = Assert.Throws<TrackerException>(() => UdpTrackerCodec.ReadAnnounce(Convert.FromHexString(hex), 6, 100, Tracker));
        Assert.Equal(TrackerErrorKind.InvalidResponse, e.Kind);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_bare_announce_header_is_a_refusal()
    {
        var e = Assert.Throws<TrackerException>(() => UdpTrackerCodec.ReadAnnounce(Convert.FromHexString("0000000100000005"), 6, 100, Tracker));
        Assert.Equal(TrackerErrorKind.Failure, e.Kind);
        Assert.Equal("tracker udp://127.0.0.1:6969/announce answered an empty announce: it probably does not track this torrent", e.Message);
    }

    [Fact]
    public void Short_connect_answer_is_invalid() =>
        Assert.Throws<TrackerException>(() => UdpTrackerCodec.ReadConnect(Convert.FromHexString("000000000000000100000000"), Tracker));
}
