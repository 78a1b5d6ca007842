using System.Buffers.Binary;
using System.Net;
using System.Text;
using CsCheck;
using Shoal.Metainfo;
using Shoal.Trackers;
using Shoal.Trackers.Udp;
using static Shoal.Tests.Trackers.TrackerTestData;

namespace Shoal.Tests.Trackers.Udp;

/// <summary>The BEP 15 codec shared by the tracker client and server: byte layouts, both directions, and round trips.</summary>
public class UdpTrackerCodecTests
{
    private static readonly Uri Tracker = new("udp://127.0.0.1:6969/announce");

    [Fact]
    public void Connect_request_layout()
    {
        var packet = new byte[UdpTrackerCodec.ConnectRequestLength];
        Assert.Equal(16, UdpTrackerCodec.WriteConnectRequest(packet, 0x01020304));
        Assert.Equal(Convert.FromHexString("0000041727101980" + "00000000" + "01020304"), packet);
    }

    [Fact]
    public void Announce_request_layout_follows_bep15()
    {
        var packet = new byte[UdpTrackerCodec.AnnounceRequestLength];
        var request = Request(AnnounceEvent.Started, port: 0xC8D5, left: 0x0102030405, ip: "10.20.30.40", key: 0xCAFEBABE, numWant: -1);

        Assert.Equal(98, UdpTrackerCodec.WriteAnnounceRequest(packet, 0x1122334455667788, 0xAABBCCDD, UdpAnnounce.From(request)));

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
        Assert.Equal(0u, UdpAnnounce.From(Request(ip: "2001:db8::1")).IPv4);
        Assert.Equal(0u, UdpAnnounce.From(Request(ip: "host.example")).IPv4);
        Assert.Equal(0x0A141E28u, UdpAnnounce.From(Request(ip: "10.20.30.40")).IPv4);
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
        UdpTrackerCodec.WriteScrapeRequest(packet, 7, 9, AwkwardHash);
        Assert.Equal(Convert.FromHexString("0000000000000007" + "00000002" + "00000009"), packet[..16]);
        Assert.Equal(AwkwardHash.ToArray(), packet[16..]);
        Assert.Equal(1, UdpTrackerCodec.ScrapeHashCount(packet));
        Assert.Equal(AwkwardHash, UdpTrackerCodec.ScrapeHash(packet, 0));
    }

    [Theory]
    [InlineData(60, "announce packet too short")]
    [InlineData(98, "unknown event", 9)]
    [InlineData(98, "invalid port", 0, 0)]
    public void Malformed_announce_requests_are_refused_with_a_reason(int length, string reason, int eventCode = 0, int port = 6881)
    {
        var packet = new byte[Math.Max(length, 98)];
        UdpTrackerCodec.WriteAnnounceRequest(packet, 1, 2, UdpAnnounce.From(Request(port: port)));
        BinaryPrimitives.WriteInt32BigEndian(packet.AsSpan(80), eventCode);
        Assert.False(UdpTrackerCodec.TryReadAnnounceRequest(packet.AsSpan(0, length), out _, out var error));
        Assert.Equal(reason, error);
    }

    [Fact]
    public void Any_announce_request_reads_back_as_written() =>
        Gen.Select(Gen.Byte.Array[20], Gen.Byte.Array[20], Gen.Long, Gen.Long, Gen.Long, Gen.Int[0, 3], Gen.UInt,
                Gen.Select(Gen.UInt, Gen.Int, Gen.UShort[1, ushort.MaxValue]))
            .Sample((hash, id, downloaded, left, uploaded, ev, ip, rest) =>
            {
                var (key, numWant, port) = rest;
                var announce = new UdpAnnounce(new InfoHash(hash), global::Shoal.Wire.PeerId.From(id), downloaded, left, uploaded,
                    (AnnounceEvent)ev, ip, key, numWant, port);
                var packet = new byte[UdpTrackerCodec.AnnounceRequestLength + 5]; // BEP 41 options after the body are ignored
                UdpTrackerCodec.WriteAnnounceRequest(packet, 0xABCDEF, 77, in announce);
                Assert.True(UdpTrackerCodec.TryReadRequestHeader(packet, out ulong connectionId, out var action, out uint transaction));
                Assert.Equal((0xABCDEFUL, UdpTrackerAction.Announce, 77u), (connectionId, action, transaction));
                Assert.True(UdpTrackerCodec.TryReadAnnounceRequest(packet, out var read, out _));
                Assert.Equal(announce, read);
            }, iter: 2000);

    [Fact]
    public void Connect_answer_yields_the_connection_id()
    {
        var packet = Convert.FromHexString("00000000" + "01020304" + "0102030405060708");
        Assert.True(UdpTrackerCodec.TryReadAnswerHeader(packet, out var action, out var tid));
        Assert.Equal(UdpTrackerAction.Connect, action);
        Assert.Equal(0x01020304u, tid);
        Assert.Equal(0x0102030405060708UL, UdpTrackerCodec.ReadConnectAnswer(packet, Tracker));
        var written = new byte[16];
        UdpTrackerCodec.WriteConnectAnswer(written, 0x01020304, 0x0102030405060708);
        Assert.Equal(packet, written);
    }

    [Fact]
    public void Announce_answer_ipv4()
    {
        var packet = Convert.FromHexString("00000001" + "00000005" + "00000708" + "00000003" + "00000002" + "0A000001" + "1AE1" + "C0A80001" + "C8D5");
        var response = UdpTrackerCodec.ReadAnnounceAnswer(packet, 6, 100, Tracker);
        Assert.Equal(TimeSpan.FromSeconds(1800), response.Interval);
        Assert.Equal(3, response.Leechers);
        Assert.Equal(2, response.Seeders);
        Assert.Equal([IPEndPoint.Parse("10.0.0.1:6881"), IPEndPoint.Parse("192.168.0.1:51413")], response.Peers);
        var written = new byte[packet.Length];
        UdpTrackerCodec.WriteAnnounceAnswer(written, 5, 1800, 3, 2, packet.AsSpan(20));
        Assert.Equal(packet, written);
    }

    [Fact]
    public void Announce_answer_ipv6_uses_18_byte_entries()
    {
        var packet = Convert.FromHexString("00000001" + "00000005" + "0000003C" + "00000000" + "00000001" + "20010DB8000000000000000000000001" + "1AE1");
        var response = UdpTrackerCodec.ReadAnnounceAnswer(packet, 18, 100, Tracker);
        Assert.Equal([IPEndPoint.Parse("[2001:db8::1]:6881")], response.Peers);
    }

    [Fact]
    public void Scrape_answer()
    {
        var packet = Convert.FromHexString("00000002" + "00000009" + "00000004" + "0000000A" + "00000006");
        Assert.Equal(new ScrapeResult(4, 10, 6), UdpTrackerCodec.ReadScrapeAnswer(packet, Tracker));
        var written = new byte[20];
        int length = UdpTrackerCodec.WriteScrapeAnswerHeader(written, 9);
        length += UdpTrackerCodec.WriteScrapeEntry(written.AsSpan(length), seeders: 4, completed: 10, leechers: 6);
        Assert.Equal(20, length);
        Assert.Equal(packet, written);
    }

    [Fact]
    public void Error_answer_is_a_failure_with_the_message()
    {
        var packet = Convert.FromHexString("00000003" + "00000009").Concat(Encoding.ASCII.GetBytes("Invalid info_hash\n")).ToArray();
        var e = Assert.Throws<TrackerException>(() => UdpTrackerCodec.ReadAnnounceAnswer(packet, 6, 100, Tracker));
        Assert.Equal(TrackerErrorKind.Failure, e.Kind);
        Assert.Equal("Invalid info_hash", e.FailureReason);
        Assert.Equal("tracker udp://127.0.0.1:6969/announce refused the request: Invalid info_hash", e.Message);
    }

    [Fact]
    public void The_servers_error_answer_reads_back_and_is_cut_to_its_limit()
    {
        var reply = new byte[1500];
        int length = UdpTrackerCodec.WriteError(reply, 9, "tracker is full");
        var e = Assert.Throws<TrackerException>(() => UdpTrackerCodec.ReadScrapeAnswer(reply.AsSpan(0, length), Tracker));
        Assert.Equal("tracker is full", e.FailureReason);
        Assert.Equal(8 + UdpTrackerCodec.MaxErrorMessage, UdpTrackerCodec.WriteError(reply, 9, new string('x', 5000)));
    }

    [Theory]
    [InlineData("000000010000000500", "answered a too short announce packet (9 bytes, at least 20 expected)")]
    [InlineData("000000010000000500000708000000030000000201020304", "whose 4 bytes of peers are not a multiple of 6")]
    [InlineData("0000000200000005000000000000000000000000", "answered action 2 where announce was expected")]
    [InlineData("0000000100000005800000000000000000000000", "negative interval")]
    [InlineData("000000", "too short for a header")]
    public void Malformed_announce_answers_are_invalid(string hex, string expected)
    {
        var e = Assert.Throws<TrackerException>(() => UdpTrackerCodec.ReadAnnounceAnswer(Convert.FromHexString(hex), 6, 100, Tracker));
        Assert.Equal(TrackerErrorKind.InvalidResponse, e.Kind);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_bare_announce_header_is_a_refusal()
    {
        var e = Assert.Throws<TrackerException>(() => UdpTrackerCodec.ReadAnnounceAnswer(Convert.FromHexString("0000000100000005"), 6, 100, Tracker));
        Assert.Equal(TrackerErrorKind.Failure, e.Kind);
        Assert.Equal("tracker udp://127.0.0.1:6969/announce answered an empty announce: it probably does not track this torrent", e.Message);
    }

    [Fact]
    public void Short_connect_answer_is_invalid() =>
        Assert.Throws<TrackerException>(() => UdpTrackerCodec.ReadConnectAnswer(Convert.FromHexString("000000000000000100000000"), Tracker));

    [Theory]
    [InlineData(false, 242)]
    [InlineData(true, 79)]
    public void Announce_answers_fit_one_ethernet_frame(bool ipv6, int peers) => Assert.Equal(peers, UdpTrackerCodec.MaxPeers(ipv6));
}
