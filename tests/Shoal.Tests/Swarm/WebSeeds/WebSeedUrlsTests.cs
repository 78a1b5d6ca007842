using System.Net;
using Shoal.Metainfo;
using Shoal.Swarm.WebSeeds;
using Shoal.Tests.Metainfo;

namespace Shoal.Tests.Swarm.WebSeeds;

public class WebSeedUrlsTests
{
    private static TorrentInfo Single(string name) => TorrentInfo.Parse(TorrentSamples.SingleFileInfo(name, 100).Encode());

    private static TorrentInfo Multi() => TorrentInfo.Parse(TorrentSamples.MultiFileInfo("My Album #1", ("disc 1/01 – intro?.flac", 10), ("cover&more.jpg", 5)).Encode());

    [Theory]
    [InlineData("http://h/dir/", "http://h/dir/movie%20file.mkv")]       // a folder: the name is appended
    [InlineData("http://h/dir/other.mkv", "http://h/dir/other.mkv")]     // the file itself, whatever its name
    [InlineData("https://h:8443/x/", "https://h:8443/x/movie%20file.mkv")]
    public void ASingleFileTorrentIsTheUrlOrTheUrlPlusItsName(string seed, string expected)
    {
        Assert.Equal(expected, WebSeedUrls.ForFile(new Uri(seed), Single("movie file.mkv"), 0).AbsoluteUri);
    }

    [Theory]
    [InlineData("http://h/pub/")]
    [InlineData("http://h/pub")] // a multi-file seed is always a folder
    public void AMultiFileTorrentIsTheFolderThenTheNameThenThePathEncoded(string seed)
    {
        var info = Multi();
        Assert.Equal("http://h/pub/My%20Album%20%231/disc%201/01%20%E2%80%93%20intro%3F.flac", WebSeedUrls.ForFile(new Uri(seed), info, 0).AbsoluteUri);
        Assert.Equal("http://h/pub/My%20Album%20%231/cover%26more.jpg", WebSeedUrls.ForFile(new Uri(seed), info, 1).AbsoluteUri);
    }

    [Theory]
    [InlineData("ftp://h/f", "'ftp' web seeds are not supported")]
    [InlineData("http://user:pw@h/f", "user name or password")]
    [InlineData("http://h/f#frag", "fragment")]
    [InlineData("relative/path", "not a URL")]
    [InlineData("/rooted", "'file' web seeds are not supported")] // an absolute file:// URL to .NET on Unix
    [InlineData("", "empty")]
    public void OnlyPlainHttpAndHttpsUrlsAreUsed(string text, string reason)
    {
        Assert.False(WebSeedUrls.TryParse(text, out var url, out var error));
        Assert.Null(url);
        Assert.Contains(reason, error);
        Assert.True(WebSeedUrls.TryParse(" https://mirror.example/pub/ ", out url, out _));
        Assert.Equal("https://mirror.example/pub/", url!.AbsoluteUri);
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("10.1.2.3", true)]
    [InlineData("172.16.0.1", true)]
    [InlineData("172.32.0.1", false)]
    [InlineData("192.168.1.1", true)]
    [InlineData("169.254.1.1", true)]
    [InlineData("100.64.0.1", true)]
    [InlineData("0.0.0.0", true)]
    [InlineData("224.0.0.1", true)]
    [InlineData("93.184.216.34", false)]
    [InlineData("::1", true)]
    [InlineData("::", true)]
    [InlineData("fe80::1", true)]
    [InlineData("fd00::1", true)]
    [InlineData("ff02::1", true)]
    [InlineData("::ffff:192.168.0.1", true)]
    [InlineData("2002:c0a8:0101::1", true)]  // 6to4 wrapping 192.168.1.1
    [InlineData("64:ff9b::a00:1", true)]     // NAT64 wrapping 10.0.0.1
    [InlineData("2606:4700::1111", false)]
    public void PrivateAddressesAreRecognised(string address, bool isPrivate)
    {
        Assert.Equal(isPrivate, PrivateAddresses.IsPrivate(IPAddress.Parse(address)));
    }
}
