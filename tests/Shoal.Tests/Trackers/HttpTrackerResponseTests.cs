using System.Net;
using Shoal.Bencoding;
using Shoal.Trackers;
using static Shoal.Tests.Trackers.TrackerTestData;

namespace Shoal.Tests.Trackers;

public class HttpTrackerResponseTests
{
    private static readonly Uri Tracker = new("http://127.0.0.1:6969/announce?passkey=secret");
    private static readonly TrackerClientOptions Options = new() { MaxPeers = 100 };

    private static HttpTrackerResponse.Announce Parse(BDictionary dict, TrackerClientOptions? options = null) =>
        HttpTrackerResponse.ParseAnnounce(dict.Encode(), Tracker, options ?? Options);

    private static TrackerException ParseFails(byte[] body) =>
        Assert.Throws<TrackerException>(() => HttpTrackerResponse.ParseAnnounce(body, Tracker, Options));

    private static byte[] Compact(params string[] endpoints)
    {
        var buffer = new byte[endpoints.Length * 18];
        int length = 0;
        foreach (var e in endpoints) length += CompactPeers.Write(IPEndPoint.Parse(e), buffer.AsSpan(length));
        return buffer[..length];
    }

    [Fact]
    public void Compact_peers_and_counters()
    {
        var dict = new BDictionary
        {
            { "complete", 5 }, { "incomplete", 7 }, { "interval", 1800 }, { "min interval", 60 },
            { "peers", new BString(Compact("10.1.2.3:6881", "192.168.0.1:51413")) },
        };

        var (response, trackerId) = Parse(dict);

        Assert.Equal(TimeSpan.FromSeconds(1800), response.Interval);
        Assert.Equal(TimeSpan.FromSeconds(60), response.MinInterval);
        Assert.Equal(5, response.Seeders);
        Assert.Equal(7, response.Leechers);
        Assert.Equal([IPEndPoint.Parse("10.1.2.3:6881"), IPEndPoint.Parse("192.168.0.1:51413")], response.Peers);
        Assert.Null(response.WarningMessage);
        Assert.Null(trackerId);
    }

    [Fact]
    public void Dictionary_peers_with_ipv4_and_ipv6_and_unresolvable_names_skipped()
    {
        BDictionary Peer(string ip, long port) => new() { { "ip", ip }, { "peer id", "-XX0001-000000000000" }, { "port", port } };
        var dict = new BDictionary
        {
            { "interval", 900 },
            { "peers", new BList([Peer("10.0.0.1", 1000), Peer("2001:db8::1", 2000), Peer("tracker.example", 3000), Peer("10.0.0.2", 0), Peer("10.0.0.3", 70000)]) },
        };

        var peers = Parse(dict).Response.Peers;

        Assert.Equal([IPEndPoint.Parse("10.0.0.1:1000"), IPEndPoint.Parse("[2001:db8::1]:2000")], peers);
    }

    [Fact]
    public void Peers6_are_read_beside_peers()
    {
        var dict = new BDictionary
        {
            { "interval", 900 },
            { "peers", new BString(Compact("10.0.0.1:1")) },
            { "peers6", new BString(Compact("[2001:db8::5]:6881", "[::ffff:10.0.0.9]:7")) },
        };

        var peers = Parse(dict).Response.Peers;

        Assert.Equal([IPEndPoint.Parse("10.0.0.1:1"), IPEndPoint.Parse("[2001:db8::5]:6881"), IPEndPoint.Parse("[::ffff:10.0.0.9]:7")], peers);
    }

    [Fact]
    public void Only_peers6_is_a_valid_answer_and_missing_interval_takes_the_default()
    {
        var dict = new BDictionary { { "peers6", new BString(Compact("[2001:db8::5]:6881")) } };
        var response = Parse(dict).Response;
        Assert.Single(response.Peers);
        Assert.Equal(Options.DefaultInterval, response.Interval);
        Assert.Null(response.MinInterval);
        Assert.Null(response.Seeders);
    }

    [Fact]
    public void Peer_count_is_bounded()
    {
        var many = Enumerable.Range(1, 500).Select(i => $"10.0.{i / 256}.{i % 256}:{i}").ToArray();
        var dict = new BDictionary { { "interval", 60 }, { "peers", new BString(Compact(many)) } };

        var peers = Parse(dict, new TrackerClientOptions { MaxPeers = 30 }).Response.Peers;

        Assert.Equal(30, peers.Count);
        Assert.Equal(IPEndPoint.Parse(many[29]), peers[29]);
    }

    [Fact]
    public void Port_zero_and_unspecified_addresses_are_skipped()
    {
        var dict = new BDictionary { { "interval", 60 }, { "peers", new BString(Compact("10.0.0.1:0", "0.0.0.0:80", "10.0.0.2:80")) } };
        Assert.Equal([IPEndPoint.Parse("10.0.0.2:80")], Parse(dict).Response.Peers);
    }

    [Fact]
    public void Failure_reason_becomes_a_failure_with_the_trackers_words()
    {
        var body = new BDictionary { { "failure reason", "Requested download is not authorized for use with this tracker." } }.Encode();

        var e = ParseFails(body);

        Assert.Equal(TrackerErrorKind.Failure, e.Kind);
        Assert.Equal("Requested download is not authorized for use with this tracker.", e.FailureReason);
        Assert.Equal("tracker http://127.0.0.1:6969/announce refused the request: Requested download is not authorized for use with this tracker.", e.Message);
        Assert.DoesNotContain("secret", e.Message);
    }

    [Fact]
    public void Failure_reason_with_control_characters_stays_on_one_line()
    {
        var body = new BDictionary { { "failure reason", "bad\r\nthing\u0007" + new string('x', 500) } }.Encode();
        var e = ParseFails(body);
        Assert.DoesNotContain('\n', e.Message);
        Assert.True(e.FailureReason!.Length <= 201);
    }

    [Fact]
    public void Warning_and_tracker_id_are_returned()
    {
        var dict = new BDictionary { { "interval", 60 }, { "peers", "" }, { "tracker id", "T\u00001" }, { "warning message", "slow down" } };
        var (response, trackerId) = Parse(dict);
        Assert.Equal("slow down", response.WarningMessage);
        Assert.Equal("T\01"u8.ToArray(), trackerId);
        Assert.Empty(response.Peers);
    }

    [Theory]
    [InlineData("<html><body>502 Bad Gateway</body></html>", "answered with something that is not a bencoded dictionary (starts with \"<html><body>502 Bad Gateway</body></html…\")")]
    [InlineData("", "answered with an empty body")]
    [InlineData("d8:intervali60e5:peers", "answered with invalid bencode: ")]
    [InlineData("d8:intervali60e5:peers0:e trailing", "answered with invalid bencode: ")]
    [InlineData("d5:peers0:8:intervali60ee", "answered with invalid bencode: dictionary key \"interval\" is out of order")]
    [InlineData("de", "answered a dictionary with neither 'peers' nor 'failure reason'")]
    [InlineData("d8:intervali60e5:peers7:abcdefge", "answered a compact 'peers' string of 7 bytes, not a multiple of 6")]
    [InlineData("d8:intervali60e5:peers0:6:peers617:abcdefghijklmnopqe", "answered a compact 'peers6' string of 17 bytes, not a multiple of 18")]
    [InlineData("d8:intervali-5e5:peers0:e", "answered 'interval' that is not a non-negative integer")]
    [InlineData("d8:interval2:605:peers0:e", "answered 'interval' that is not a non-negative integer")]
    [InlineData("d8:intervali60e5:peersi3ee", "answered 'peers' that is neither a string nor a list")]
    [InlineData("d8:intervali60e5:peersli1eee", "answered a 'peers' list entry that is not a dictionary")]
    [InlineData("d8:intervali60e5:peersld4:porti1eeee", "answered a peer without an 'ip' string")]
    [InlineData("d14:failure reasoni3ee", "answered a 'failure reason' that is not a string")]
    [InlineData("d8:completei-1e8:intervali60e5:peers0:e", "answered 'complete' that is not a non-negative integer")]
    [InlineData("i42e", "answered with something that is not a bencoded dictionary")]
    public void Garbage_is_a_clear_invalid_response(string body, string expected)
    {
        var e = ParseFails(Bytes(body));
        Assert.Equal(TrackerErrorKind.InvalidResponse, e.Kind);
        Assert.StartsWith("tracker http://127.0.0.1:6969/announce ", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Huge_numbers_are_clamped_not_overflowed()
    {
        var body = Bytes("d8:completei9223372036854775807e8:intervali9223372036854775807e5:peers0:e");
        var response = HttpTrackerResponse.ParseAnnounce(body, Tracker, Options).Response;
        Assert.Equal(int.MaxValue, response.Seeders);
        Assert.True(response.Interval <= TimeSpan.FromDays(366));
    }

    [Fact]
    public void Scrape_reads_the_entry_for_the_hash()
    {
        var files = new BDictionary();
        files.Set(AwkwardHash.Span, new BDictionary { { "complete", 3 }, { "downloaded", 10 }, { "incomplete", 4 } });
        var body = new BDictionary { { "files", files } }.Encode();

        Assert.Equal(new ScrapeResult(3, 10, 4), HttpTrackerResponse.ParseScrape(body, Tracker, AwkwardHash));
        Assert.Null(HttpTrackerResponse.ParseScrape(body, Tracker, new Shoal.Metainfo.InfoHash(new byte[20])));
    }

    [Theory]
    [InlineData("de")]
    [InlineData("d5:filesi1ee")]
    [InlineData("d14:failure reason6:no waye")]
    public void Scrape_garbage_or_refusal_throws(string body) =>
        Assert.Throws<TrackerException>(() => HttpTrackerResponse.ParseScrape(Bytes(body), Tracker, AwkwardHash));
}
