using System.Net;
using Shoal.Metainfo;
using static Shoal.Tests.Metainfo.TorrentSamples;

namespace Shoal.Tests.Metainfo;

public class MagnetLinkTests
{
    private const string Hex = "c12fe1c06bba254a9dc9f519b335aa7c1367a88a";
    private static readonly InfoHash Hash = InfoHash.Parse(Hex);

    [Fact]
    public void ParsesAFullLink()
    {
        var link = MagnetLink.Parse($"magnet:?xt=urn:btih:{Hex}&dn=Big+Buck%20Bunny%2B&xl=276134947" +
            "&tr=udp%3A%2F%2Ftracker.example%3A1337&tr=http://t2.example/announce&tr.1=wss%3A%2F%2Fws.example" +
            "&x.pe=10.0.0.1:6881&x.pe=%5B2001%3Adb8%3A%3A1%5D%3A51413&x.pe=peer.example:7000&ws=http%3A%2F%2Fignored");
        Assert.Equal(Hash, link.InfoHash);
        Assert.Equal("Big Buck Bunny+", link.DisplayName);
        Assert.Equal(276134947, link.ExactLength);
        Assert.Equal(["udp://tracker.example:1337", "http://t2.example/announce", "wss://ws.example"], link.Trackers);
        Assert.Equal(3, link.Peers.Count);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.0.0.1"), 6881), link.Peers[0]);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8::1"), 51413), link.Peers[1]);
        Assert.Equal(new DnsEndPoint("peer.example", 7000), link.Peers[2]);
    }

    [Theory]
    [InlineData("magnet:?xt=urn:btih:YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKEK")]
    [InlineData("magnet:?xt=urn:btih:yex6dqdlxisuvhoj6um3gnnkpqjwpkek")]
    [InlineData("MAGNET:?XT=URN:BTIH:C12FE1C06BBA254A9DC9F519B335AA7C1367A88A")]
    [InlineData("  magnet:?dn=x&xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&&  ")]
    [InlineData("magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&xt=urn:btih:YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKEK")]
    [InlineData("magnet:?xt=urn:btmh:1220abababababababababababababababababababababababababababababababab&xt.1=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a")]
    [InlineData("magnet:?xt=urn:sha1:ABCDEF&xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&kt=a+b&so=0-1")]
    public void AcceptsHexBase32AndIgnoresWhatItDoesNotUse(string text)
    {
        Assert.Equal(Hash, MagnetLink.Parse(text).InfoHash);
    }

    [Theory]
    [InlineData("", "it is empty")]
    [InlineData("   ", "it is empty")]
    [InlineData("http://example.com/x.torrent", "does not start with 'magnet:?'")]
    [InlineData("magnet:", "'magnet:' is not followed by '?'")]
    [InlineData("magnet:xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a", "'magnet:' is not followed by '?'")]
    [InlineData("magnet:?dn=nothing", "has no 'xt=urn:btih:' (v1) or 'xt=urn:btmh:' (v2) info-hash")]
    [InlineData("magnet:?xt=urn:btmh:1220abcd", "'xt=urn:btmh:1220abcd' is not a v2 info-hash")]
    [InlineData("magnet:?xt=urn:btmh:1114abababababababababababababababababababababababababababababababab", "is not a v2 info-hash")]
    [InlineData("magnet:?xt=urn:btmh:abababababababababababababababababababababababababababababababab", "is not a v2 info-hash")]
    [InlineData("magnet:?xt=urn:btmh:1220zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", "is not a v2 info-hash")]
    [InlineData("magnet:?xt=urn:btmh:1220abababababababababababababababababababababababababababababababab&xt=urn:btmh:1220cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd", "two different 'xt=urn:btmh:'")]
    [InlineData("magnet:?xt=urn:btih:c12fe1", "'xt=urn:btih:c12fe1' is not an info-hash")]
    [InlineData("magnet:?xt=urn:btih:g12fe1c06bba254a9dc9f519b335aa7c1367a88a", "is not an info-hash")]
    [InlineData("magnet:?xt=urn:btih:YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKE1", "is not an info-hash")]
    [InlineData("magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&xt=urn:btih:0000000000000000000000000000000000000000", "two different")]
    [InlineData("magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&tr=", "empty 'tr'")]
    [InlineData("magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&tr=not%20a%20url", "'tr=not a url' is not a tracker URL")]
    [InlineData("magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&tr=ftp://x/", "is not a tracker URL")]
    [InlineData("magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&x.pe=10.0.0.1", "'x.pe=10.0.0.1' is not a peer address")]
    [InlineData("magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&x.pe=10.0.0.1:0", "is not a peer address")]
    [InlineData("magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&x.pe=10.0.0.1:65536", "is not a peer address")]
    [InlineData("magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&x.pe=::1:80", "is not a peer address")]
    [InlineData("magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&x.pe=[10.0.0.1]:80", "is not a peer address")]
    [InlineData("magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&x.pe=[::1:80", "is not a peer address")]
    [InlineData("magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&x.pe=1.2:80", "is not a peer address")]
    [InlineData("magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&x.pe=bad_host!:80", "is not a peer address")]
    [InlineData("magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&xl=-5", "'xl=-5' is not a size in bytes")]
    [InlineData("magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&xl=99999999999999999999", "is not a size in bytes")]
    [InlineData("magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&xl=1e6", "is not a size in bytes")]
    public void ExplainsWhatIsWrong(string text, string reason)
    {
        Assert.False(MagnetLink.TryParse(text, out var link, out var error));
        Assert.Null(link);
        Assert.Contains(reason, error);
        var ex = Assert.Throws<InvalidTorrentException>(() => MagnetLink.Parse(text));
        Assert.Equal($"invalid magnet link: {error}", ex.Message);
    }

    [Fact]
    public void TryParseAcceptsNullAndOverlongInputWithoutThrowing()
    {
        Assert.False(MagnetLink.TryParse(null, out _));
        var huge = "magnet:?xt=urn:btih:" + Hex + "&dn=" + new string('a', 70_000);
        Assert.False(MagnetLink.TryParse(huge, out _, out var error));
        Assert.Contains("characters long", error);
    }

    [Fact]
    public void ControlCharactersAreNotEchoedInErrors()
    {
        MagnetLink.TryParse("magnet:?xt=urn:btih:%1B%5B2Jx", out _, out var error);
        Assert.DoesNotContain("\u001b", error);
    }

    [Fact]
    public void ToStringWritesHexAndEscapesValues()
    {
        var link = new MagnetLink(Hash, "a b&c=d/é", ["http://t/announce?x=1&y=2"],
            [new IPEndPoint(IPAddress.Loopback, 6881), new IPEndPoint(IPAddress.IPv6Loopback, 6882)], 1234);
        var text = link.ToString();
        Assert.Equal($"magnet:?xt=urn:btih:{Hex}&dn=a%20b%26c%3Dd%2F%C3%A9&xl=1234&tr=http%3A%2F%2Ft%2Fannounce%3Fx%3D1%26y%3D2" +
            "&x.pe=127.0.0.1%3A6881&x.pe=%5B%3A%3A1%5D%3A6882", text);
        var again = MagnetLink.Parse(text);
        Assert.Equal(link.DisplayName, again.DisplayName);
        Assert.Equal(link.Trackers, again.Trackers);
        Assert.Equal(link.Peers, again.Peers);
        Assert.Equal(link.ExactLength, again.ExactLength);
    }

    [Fact]
    public void MinimalLinkHasOnlyTheHash()
    {
        Assert.Equal($"magnet:?xt=urn:btih:{Hex}", new MagnetLink(Hash).ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => new MagnetLink(Hash, exactLength: -1));
    }

    [Fact]
    public void FromTorrentCarriesHashNameSizeAndEveryTracker()
    {
        var torrent = Torrent.Parse(TorrentSamples.TorrentFile(SingleFileInfo("film.mkv", 40_000),
            ("announce-list", new Shoal.Bencoding.BList([
                new Shoal.Bencoding.BList([new Shoal.Bencoding.BString("http://a/")]),
                new Shoal.Bencoding.BList([new Shoal.Bencoding.BString("udp://b:1/"), new Shoal.Bencoding.BString("http://a/")]),
            ]))));
        var link = MagnetLink.FromTorrent(torrent);
        Assert.Equal(torrent.InfoHash, link.InfoHash);
        Assert.Equal("film.mkv", link.DisplayName);
        Assert.Equal(40_000, link.ExactLength);
        Assert.Equal(["http://a/", "udp://b:1/"], link.Trackers);
        Assert.Empty(link.Peers);
    }

    private const string V2Hex = "1f3d32ab1c8d8b1ac46d1e9e7a5c1e5b9f6e2d3c4b5a69788796a5b4c3d2e1f0";

    [Fact]
    public void AV2LinkFindsPeersByTheTruncatedHash()
    {
        var link = MagnetLink.Parse($"magnet:?xt=urn:btmh:1220{V2Hex}&dn=new");
        Assert.False(link.InfoHashes.HasV1);
        Assert.Equal(V2Hex, link.InfoHashes.V2!.Value.ToHex());
        Assert.Equal(V2Hex[..40], link.InfoHash.ToHex());
        Assert.Equal($"magnet:?xt=urn:btmh:1220{V2Hex}&dn=new", link.ToString());
    }

    [Fact]
    public void AHybridLinkCarriesBothHashesAndRoundTrips()
    {
        var link = MagnetLink.Parse($"magnet:?xt=urn:btmh:1220{V2Hex.ToUpperInvariant()}&dn=both&xt=urn:btih:{Hex}");
        Assert.True(link.InfoHashes.IsHybrid);
        Assert.Equal(Hash, link.InfoHash); // peers are found through the v1 swarm, which every client joins
        Assert.Equal($"magnet:?xt=urn:btih:{Hex}&xt=urn:btmh:1220{V2Hex}&dn=both", link.ToString());
        Assert.Equal(link.InfoHashes, MagnetLink.Parse(link.ToString()).InfoHashes);
    }

    [Fact]
    public void FromAHybridTorrentNamesBothHashesAndLeavesPaddingOutOfTheSize()
    {
        var a = V2Samples.Data(40_000, 1);
        var b = V2Samples.Data(5, 2);
        var info = V2Samples.V2Info("t", 32 * 1024, ("a", a), ("b", b));
        info.Add("files", TorrentInfo.HybridFileList([(["a"], a.Length), (["b"], b.Length)], 32 * 1024));
        info.Add("pieces", new Shoal.Bencoding.BString(new byte[3 * 20]));
        var torrent = Torrent.Parse(TorrentSamples.TorrentFile(info));
        var link = MagnetLink.FromTorrent(torrent);
        Assert.Equal(torrent.InfoHashes, link.InfoHashes);
        Assert.Equal(40_005, link.ExactLength);
    }
}
