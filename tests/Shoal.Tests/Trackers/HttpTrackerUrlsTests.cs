using Shoal.Trackers;
using static Shoal.Tests.Trackers.TrackerTestData;

namespace Shoal.Tests.Trackers;

public class HttpTrackerUrlsTests
{
    private static readonly Uri Announce = new("http://127.0.0.1:6969/announce");

    [Fact]
    public void Binary_info_hash_and_peer_id_survive_percent_encoding()
    {
        var url = HttpTrackerUrls.Announce(Announce, Request());

        Assert.Equal(AwkwardHash.ToArray(), PercentDecode(Value(url, "info_hash")));
        Assert.Equal(PeerId, PercentDecode(Value(url, "peer_id")));
        // Reserved characters never appear raw inside a value.
        Assert.DoesNotContain('+', Value(url, "info_hash"));
        Assert.DoesNotContain(' ', url.AbsoluteUri);
    }

    [Fact]
    public void Every_byte_value_round_trips_and_only_unreserved_characters_stay_literal()
    {
        var all = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var builder = new System.Text.StringBuilder();
        HttpTrackerUrls.PercentEncode(builder, all);
        var encoded = builder.ToString();

        Assert.Equal(all, PercentDecode(encoded));
        var literal = System.Text.RegularExpressions.Regex.Replace(encoded, "%[0-9A-F]{2}", "");
        Assert.All(literal, c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~', $"'{c}' left unescaped"));
        Assert.Equal(66, literal.Length); // 26 + 26 + 10 letters and digits, plus - . _ ~
        Assert.Equal(66 + (190 * 3), encoded.Length);
    }

    [Fact]
    public void Query_carries_the_announce_fields()
    {
        var url = HttpTrackerUrls.Announce(Announce, Request(AnnounceEvent.Completed, port: 51413, left: 0, key: 0x0000ABCD, numWant: 80));

        Assert.Equal("51413", Value(url, "port"));
        Assert.Equal("11", Value(url, "uploaded"));
        Assert.Equal("22", Value(url, "downloaded"));
        Assert.Equal("0", Value(url, "left"));
        Assert.Equal("1", Value(url, "compact"));
        Assert.Equal("1", Value(url, "no_peer_id"));
        Assert.Equal("80", Value(url, "numwant"));
        Assert.Equal("0000abcd", Value(url, "key"));
        Assert.Equal("completed", Value(url, "event"));
        Assert.DoesNotContain(QueryPairs(url), p => p.Name is "ip" or "trackerid");
    }

    [Theory]
    [InlineData(AnnounceEvent.Started, "started")]
    [InlineData(AnnounceEvent.Stopped, "stopped")]
    [InlineData(AnnounceEvent.Completed, "completed")]
    public void Event_names_follow_bep3(AnnounceEvent ev, string name) =>
        Assert.Equal(name, Value(HttpTrackerUrls.Announce(Announce, Request(ev)), "event"));

    [Fact]
    public void Regular_announce_has_no_event_and_default_numwant_is_omitted()
    {
        var url = HttpTrackerUrls.Announce(Announce, Request(AnnounceEvent.None, numWant: -1));
        Assert.DoesNotContain(QueryPairs(url), p => p.Name is "event" or "numwant");
    }

    [Fact]
    public void Ip_and_tracker_id_are_sent_when_known()
    {
        var url = HttpTrackerUrls.Announce(Announce, Request(ip: "10.0.0.7"), "id&1"u8);
        Assert.Equal("10.0.0.7", Value(url, "ip"));
        Assert.Equal("id%261", Value(url, "trackerid"));
    }

    [Fact]
    public void Existing_query_such_as_a_passkey_is_kept_first()
    {
        var url = HttpTrackerUrls.Announce(new Uri("https://tracker.example/abc/announce?passkey=s3cr3t"), Request());
        var pairs = QueryPairs(url);
        Assert.Equal(("passkey", "s3cr3t"), pairs[0]);
        Assert.Equal("info_hash", pairs[1].Name);
        Assert.Equal("/abc/announce", url.AbsolutePath);
    }

    [Theory]
    [InlineData("http://t.example/announce", "http://t.example/scrape")]
    [InlineData("http://t.example:8080/x/announce.php", "http://t.example:8080/x/scrape.php")]
    [InlineData("http://t.example/announce?passkey=1", "http://t.example/scrape?passkey=1")]
    [InlineData("http://t.example/x/announce/", null)]
    [InlineData("http://t.example/a", null)]
    [InlineData("http://t.example/announce/y", null)]
    public void Scrape_url_follows_the_bep48_convention(string announce, string? expected) =>
        Assert.Equal(expected, HttpTrackerUrls.Scrape(new Uri(announce))?.AbsoluteUri);

    [Fact]
    public void Scrape_url_carries_the_info_hash()
    {
        var url = HttpTrackerUrls.Scrape(Announce, AwkwardHash)!;
        Assert.Equal("/scrape", url.AbsolutePath);
        Assert.Equal(AwkwardHash.ToArray(), PercentDecode(Value(url, "info_hash")));
    }
}
