using CsCheck;
using Shoal.TrackerServer.Http;
using Shoal.TrackerServer.Registry;
using Shoal.Trackers;
using Shoal.Wire;

namespace Shoal.Tests.TrackerServer;

public class AnnounceQueryTests
{
    // Every byte value, percent-encoded where needed, as real clients send binary ids.
    private static readonly byte[] BinaryHash = [0x00, 0xFF, 0x25, 0x26, 0x3D, 0x2B, 0x20, 0x80, 0x7F, 0x41, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    private const string EncodedHash = "%00%ff%25%26%3d+%20%80%7fA%01%02%03%04%05%06%07%08%09%0A";
    private const string PeerIdText = "-SH0001-abcdefghijkl";

    private static string Query(string extra = "", string hash = EncodedHash, string peer = PeerIdText, string port = "6881") =>
        $"?info_hash={hash}&peer_id={peer}&port={port}&uploaded=0&downloaded=0&left=100{extra}";

    [Fact]
    public void Decodes_binary_info_hash_and_fields()
    {
        Assert.Null(AnnounceQuery.TryParse(Query("&event=started&numwant=30&compact=1&key=abc&no_peer_id=1"), out var query));
        // '+' is a literal plus sign (RFC 3986), not a space: it must survive in binary ids.
        BinaryHash[5] = (byte)'+';
        Assert.Equal(BinaryHash, query.InfoHash.ToArray());
        Assert.Equal(PeerIdText, System.Text.Encoding.ASCII.GetString(query.PeerId));
        Assert.Equal(6881, query.Port);
        Assert.Equal(100, query.Left);
        Assert.Equal(AnnounceEvent.Started, query.Event);
        Assert.Equal(30, query.NumWant);
        Assert.True(query.Compact);
        Assert.True(query.NoPeerId);
    }

    [Fact]
    public void Defaults_when_optional_fields_are_absent()
    {
        Assert.Null(AnnounceQuery.TryParse($"info_hash={EncodedHash}&peer_id={PeerIdText}&port=1", out var query));
        Assert.Equal(-1, query.Left);
        Assert.Equal(-1, query.NumWant);
        Assert.Equal(AnnounceEvent.None, query.Event);
        Assert.True(query.Compact);
    }

    [Theory]
    [InlineData("event=completed", AnnounceEvent.Completed)]
    [InlineData("event=stopped", AnnounceEvent.Stopped)]
    [InlineData("event=", AnnounceEvent.None)]
    [InlineData("event=empty", AnnounceEvent.None)]
    [InlineData("event=paused", AnnounceEvent.None)]
    public void Reads_events(string parameter, AnnounceEvent expected)
    {
        Assert.Null(AnnounceQuery.TryParse(Query("&" + parameter), out var query));
        Assert.Equal(expected, query.Event);
    }

    [Theory]
    [InlineData("", "missing info_hash")]
    [InlineData("?info_hash=abc&peer_id=-SH0001-abcdefghijkl&port=1", "info_hash must be 20 bytes")]
    [InlineData("?info_hash=%zz", "malformed value for info_hash")]
    [InlineData("?info_hash=%0", "malformed value for info_hash")]
    public void Rejects_bad_info_hashes(string query, string reason) =>
        Assert.Equal(reason, AnnounceQuery.TryParse(query, out _));

    [Fact]
    public void Rejects_bad_requests_with_a_reason()
    {
        Assert.Equal("missing peer_id", AnnounceQuery.TryParse($"info_hash={EncodedHash}&port=1", out _));
        Assert.Equal("peer_id must be 20 bytes", AnnounceQuery.TryParse(Query(peer: "short"), out _));
        Assert.Equal("missing port", AnnounceQuery.TryParse($"info_hash={EncodedHash}&peer_id={PeerIdText}", out _));
        Assert.Equal("invalid port", AnnounceQuery.TryParse(Query(port: "0"), out _));
        Assert.Equal("invalid port", AnnounceQuery.TryParse(Query(port: "65536"), out _));
        Assert.Equal("invalid port", AnnounceQuery.TryParse(Query(port: "-1"), out _));
        Assert.Equal("invalid port", AnnounceQuery.TryParse(Query(port: "12a"), out _));
        Assert.Equal("unknown event", AnnounceQuery.TryParse(Query("&event=finished"), out _));
        Assert.Equal("invalid left", AnnounceQuery.TryParse(Query("&left=-5"), out _));
        Assert.Equal("invalid numwant", AnnounceQuery.TryParse(Query("&numwant=lots"), out _));
        Assert.Equal("info_hash given twice", AnnounceQuery.TryParse(Query("&info_hash=" + EncodedHash), out _));
        Assert.Equal("query too long", AnnounceQuery.TryParse(Query("&pad=" + new string('x', AnnounceQuery.MaxQueryLength)), out _));
    }

    [Fact]
    public void Parses_ip_parameters_only_as_literals()
    {
        Assert.Null(AnnounceQuery.TryParse(Query("&ip=192.0.2.7&ipv6=%5B2001:db8::1%5D:6881&ipv4=example.com"), out var query));
        Assert.Equal("192.0.2.7", query.Ip?.ToString());
        Assert.Equal("2001:db8::1", query.IPv6?.ToString());
        Assert.Null(query.IPv4);
    }

    [Fact]
    public void Negative_numwant_means_default()
    {
        Assert.Null(AnnounceQuery.TryParse(Query("&numwant=-1"), out var query));
        Assert.Equal(-1, query.NumWant);
    }

    [Fact]
    public void Random_queries_never_throw()
    {
        var chars = Gen.Char["%&=+0123456789abcdefABCDEF_infohaspert_dlvw-.~"];
        Gen.OneOf(
            Gen.String[chars, 0, 300],
            Gen.String[Gen.Char, 0, 200],
            Gen.Select(Gen.String[chars, 0, 60], Gen.Int[0, 2]).Select((tail, n) => Query(tail) + (n == 0 ? "%" : "")))
            .Sample(query =>
            {
                var reason = AnnounceQuery.TryParse(query, out _);
                Assert.True(reason is null || reason.Length > 0);
            }, iter: 5000);
    }

    [Fact]
    public void Scrape_reads_several_hashes_and_bounds_them()
    {
        var hashes = new List<Shoal.Metainfo.InfoHash>();
        Assert.Null(ScrapeQuery.TryParse($"?info_hash={EncodedHash}&info_hash={new string('a', 20)}", hashes));
        Assert.Equal(2, hashes.Count);
        Assert.NotNull(ScrapeQuery.TryParse("?", hashes));
        Assert.Equal("info_hash must be 20 bytes", ScrapeQuery.TryParse("?info_hash=abc", hashes));
        var many = string.Concat(Enumerable.Repeat($"info_hash={new string('b', 20)}&", ScrapeQuery.MaxHashes + 1));
        Assert.Equal($"at most {ScrapeQuery.MaxHashes} info_hash per scrape", ScrapeQuery.TryParse(many, hashes));
    }
}
