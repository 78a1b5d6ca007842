using CsCheck;
using Shoal.Metainfo;

namespace Shoal.Tests.Metainfo;

/// <summary>'ws' in magnet links (BEP 9 with BEP 19 web seeds): read, bounded, written back, and taken from a torrent.</summary>
public class MagnetWebSeedTests
{
    private const string Hex = "c12fe1c06bba254a9dc9f519b335aa7c1367a88a";

    [Fact]
    public void Web_seeds_are_read_unescaped_in_order_without_repeats()
    {
        var link = MagnetLink.Parse($"magnet:?xt=urn:btih:{Hex}&ws=http%3A%2F%2Fmirror.example%2Fpub%2F&ws=https://cdn.example/f%20x.iso" +
                                    "&ws=http%3A%2F%2Fmirror.example%2Fpub%2F");
        Assert.Equal(["http://mirror.example/pub/", "https://cdn.example/f x.iso"], link.WebSeeds);
        Assert.Equal(link.WebSeeds, MagnetLink.Parse(link.ToString()).WebSeeds);
        Assert.Contains("&ws=http%3A%2F%2Fmirror.example%2Fpub%2F", link.ToString());
    }

    [Theory]
    [InlineData("ftp://mirror.example/f.iso")]
    [InlineData("udp://mirror.example:80/")]
    [InlineData("file:///etc/passwd")]
    [InlineData("/relative/path")]
    [InlineData("not a url")]
    [InlineData("http://user:secret@mirror.example/f.iso")]
    [InlineData("http://mirror.example/f.iso#part")]
    [InlineData("")]
    public void An_unusable_web_seed_is_ignored_and_the_link_still_works(string webSeed)
    {
        var link = MagnetLink.Parse($"magnet:?xt=urn:btih:{Hex}&ws={Uri.EscapeDataString(webSeed)}");
        Assert.Empty(link.WebSeeds);
        Assert.Equal(InfoHash.Parse(Hex), link.InfoHash);
    }

    [Fact]
    public void Web_seeds_are_bounded_in_number_and_length()
    {
        var many = string.Concat(Enumerable.Range(0, 100).Select(i => $"&ws=http://m{i}.example/"));
        var link = MagnetLink.Parse($"magnet:?xt=urn:btih:{Hex}{many}");
        Assert.Equal(MagnetLink.MaxWebSeeds, link.WebSeeds.Count);
        Assert.Equal("http://m0.example/", link.WebSeeds[0]);

        var longUrl = "http://m.example/" + new string('a', MagnetLink.MaxWebSeedLength);
        Assert.Empty(MagnetLink.Parse($"magnet:?xt=urn:btih:{Hex}&ws={longUrl}").WebSeeds);
        Assert.Throws<ArgumentException>(() => new MagnetLink(InfoHash.Parse(Hex), webSeeds: ["ftp://x/"]));
    }

    [Fact]
    public void A_torrents_magnet_carries_its_usable_web_seeds()
    {
        var info = TorrentInfo.Create("f.bin", 16384, new byte[20], [(["f.bin"], 100, false)], multiFile: false);
        var torrent = new Torrent(info, [["http://t.example/announce"]], webSeeds: ["http://mirror.example/f.bin", "ftp://old.example/f.bin"]);
        var link = MagnetLink.FromTorrent(torrent);
        Assert.Equal(["http://mirror.example/f.bin"], link.WebSeeds);
        Assert.Equal(link.WebSeeds, MagnetLink.Parse(link.ToString()).WebSeeds);
    }

    private static readonly Gen<string> UrlNoise =
        Gen.String[Gen.Char["htpsf:/.%[]@#?&=+ abcXYZ0129\u0001é\\"], 0, 60];

    [Fact]
    public void Any_ws_value_is_kept_only_when_usable_and_links_round_trip()
    {
        Gen.Select(UrlNoise.Array[0, 40], Gen.Bool).Sample((values, prefixed) =>
        {
            var text = $"magnet:?xt=urn:btih:{Hex}" + string.Concat(values.Select(v => "&ws=" + (prefixed ? "http://" + v : v)));
            Assert.True(MagnetLink.TryParse(text, out var link, out var error), error);
            Assert.True(link.WebSeeds.Count <= MagnetLink.MaxWebSeeds);
            Assert.All(link.WebSeeds, w => Assert.True(MagnetLink.IsUsableWebSeed(w), w));
            Assert.Equal(link.WebSeeds.Count, link.WebSeeds.Distinct(StringComparer.Ordinal).Count());
            var again = MagnetLink.Parse(link.ToString());
            Assert.Equal(link.WebSeeds, again.WebSeeds);
        }, iter: 5_000);
    }
}
