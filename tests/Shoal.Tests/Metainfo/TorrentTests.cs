using System.Security.Cryptography;
using Shoal.Bencoding;
using Shoal.Metainfo;
using Shoal.Tests.Support;
using static Shoal.Tests.Metainfo.TorrentSamples;

namespace Shoal.Tests.Metainfo;

public class TorrentTests
{
    private static BList Tiers(params string[][] tiers) => new(tiers.Select(t => (BValue)new BList(t.Select(u => (BValue)new BString(u)))));

    [Fact]
    public void ParsesTheMetadataAroundTheInfoDictionary()
    {
        var bytes = TorrentFile(SingleFileInfo(),
            ("announce", new BString("http://a/announce")),
            ("announce-list", Tiers(["http://a/announce"], ["udp://b:80", "http://c/announce"])),
            ("comment", new BString("hello")),
            ("created by", new BString("mktorrent 1.1")),
            ("creation date", new BInteger(1_700_000_000)),
            ("url-list", new BString("http://seed/file.bin")));
        var torrent = Torrent.Parse(bytes);

        Assert.Equal([["http://a/announce"], ["udp://b:80", "http://c/announce"]], torrent.AnnounceTiers);
        Assert.Equal("http://a/announce", torrent.Announce);
        Assert.Equal(["http://a/announce", "udp://b:80", "http://c/announce"], torrent.Trackers);
        Assert.Equal("hello", torrent.Comment);
        Assert.Equal("mktorrent 1.1", torrent.CreatedBy);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), torrent.CreationDate);
        Assert.Equal(["http://seed/file.bin"], torrent.WebSeeds);
        Assert.Equal("file.bin", torrent.Info.Name);
    }

    [Fact]
    public void AnnounceAloneIsOneTier()
    {
        var torrent = Torrent.Parse(TorrentFile(SingleFileInfo(), ("announce", new BString("http://only/announce"))));
        Assert.Equal([["http://only/announce"]], torrent.AnnounceTiers);
    }

    [Fact]
    public void AnnounceListReplacesAnnounce()
    {
        // BEP 12: clients that support announce-list ignore announce.
        var torrent = Torrent.Parse(TorrentFile(SingleFileInfo(),
            ("announce", new BString("http://legacy/announce")),
            ("announce-list", Tiers(["http://x/announce", "http://y/announce"]))));
        Assert.Equal([["http://x/announce", "http://y/announce"]], torrent.AnnounceTiers);
        Assert.Equal("http://x/announce", torrent.Announce);
    }

    [Fact]
    public void AnEmptyOrBrokenAnnounceListFallsBackToAnnounce()
    {
        var empty = Torrent.Parse(TorrentFile(SingleFileInfo(), ("announce", new BString("http://a/")), ("announce-list", new BList())));
        Assert.Equal([["http://a/"]], empty.AnnounceTiers);
        var wrongType = Torrent.Parse(TorrentFile(SingleFileInfo(), ("announce", new BString("http://a/")), ("announce-list", new BString("x"))));
        Assert.Equal([["http://a/"]], wrongType.AnnounceTiers);
    }

    [Fact]
    public void TiersAreCleanedUp()
    {
        var torrent = Torrent.Parse(TorrentFile(SingleFileInfo(),
            ("announce-list", new BList([
                new BList([new BString(" http://a/ "), new BInteger(5), new BString("")]),
                new BList(),
                new BString("not a tier"),
                new BList([new BString("http://a/"), new BString("http://b/")]),
            ]))));
        Assert.Equal([["http://a/"], ["http://b/"]], torrent.AnnounceTiers);
    }

    [Fact]
    public void OptionalFieldsOfTheWrongTypeAreIgnored()
    {
        var torrent = Torrent.Parse(TorrentFile(SingleFileInfo(),
            ("announce", new BInteger(1)),
            ("comment", new BList()),
            ("created by", new BInteger(2)),
            ("creation date", new BString("yesterday")),
            ("url-list", new BInteger(3))));
        Assert.Empty(torrent.AnnounceTiers);
        Assert.Null(torrent.Comment);
        Assert.Null(torrent.CreatedBy);
        Assert.Null(torrent.CreationDate);
        Assert.Empty(torrent.WebSeeds);
    }

    [Theory]
    [InlineData(long.MaxValue)]
    [InlineData(long.MinValue)]
    [InlineData(253402300800)]
    public void ImpossibleCreationDatesAreIgnored(long seconds)
    {
        Assert.Null(Torrent.Parse(TorrentFile(SingleFileInfo(), ("creation date", new BInteger(seconds)))).CreationDate);
    }

    [Fact]
    public void UrlListMayBeAList()
    {
        var torrent = Torrent.Parse(TorrentFile(SingleFileInfo(), ("url-list", new BList([new BString("http://a/"), new BString("http://b/")]))));
        Assert.Equal(["http://a/", "http://b/"], torrent.WebSeeds);
    }

    [Fact]
    public void Utf8CommentWins()
    {
        var torrent = Torrent.Parse(TorrentFile(SingleFileInfo(), ("comment", new BString("plain")), ("comment.utf-8", new BString("ünïcode"))));
        Assert.Equal("ünïcode", torrent.Comment);
    }

    [Fact]
    public void InfoHashIsOverTheInfoBytesExactlyAsFound()
    {
        var info = SingleFileInfo();
        info.Add("zz-unknown", new BDictionary { { "nested", new BList([new BInteger(-1)]) } });
        var bytes = TorrentFile(info, ("announce", new BString("http://t/")));
        var torrent = Torrent.Parse(bytes);
        Assert.Equal(SHA1.HashData(info.Encode()), torrent.InfoHash.ToArray());
        Assert.Equal(torrent.Info.InfoHash, torrent.InfoHash);
    }

    [Fact]
    public void EncodeReproducesACanonicalFileByteForByte()
    {
        var bytes = TorrentFile(MultiFileInfo("pack", ("a", 3), ("b/c", 70_000)),
            ("announce", new BString("http://a/")),
            ("announce-list", Tiers(["http://a/"], ["http://b/", "http://c/"])),
            ("comment", new BString("c")),
            ("created by", new BString("me")),
            ("creation date", new BInteger(12345)),
            ("encoding", new BString("UTF-8")),
            ("nodes", new BList([new BList([new BString("127.0.0.1"), new BInteger(6881)])])),
            ("url-list", new BList([new BString("http://s1/"), new BString("http://s2/")])));
        Assert.Equal(bytes, Torrent.Parse(bytes).Encode());
    }

    [Fact]
    public void EncodeWritesAnnounceListOnlyForSeveralTrackers()
    {
        var info = TorrentInfo.Parse(SingleFileInfo().Encode());
        var one = BValue.Parse(new Torrent(info, [["http://a/"]]).Encode()) as BDictionary;
        Assert.Equal("http://a/", one!.Get<BString>("announce")!.Text);
        Assert.False(one.ContainsKey("announce-list"));

        var none = (BDictionary)BValue.Parse(new Torrent(info).Encode());
        Assert.Equal(["info"], none.Select(e => e.Key.Text));

        var two = new Torrent(info, [["http://a/"], ["http://b/"]], webSeeds: ["http://w/"]);
        var parsed = Torrent.Parse(two.Encode());
        Assert.Equal(two.AnnounceTiers, parsed.AnnounceTiers);
        Assert.Equal("http://w/", ((BDictionary)BValue.Parse(two.Encode())).Get<BString>("url-list")!.Text);
    }

    [Fact]
    public void EncodeKeepsTheInfoBytesVerbatimAndTheHashStable()
    {
        var info = SingleFileInfo();
        info.Add("source", "private-site");
        var original = Torrent.Parse(TorrentFile(info, ("creation date", new BInteger(1))));
        var again = Torrent.Parse(original.Encode());
        Assert.Equal(original.InfoHash, again.InfoHash);
        Assert.Equal(original.Info.RawInfo.ToArray(), again.Info.RawInfo.ToArray());
    }

    [Fact]
    public void ConstructorNormalisesItsInputs()
    {
        var info = TorrentInfo.Parse(SingleFileInfo().Encode());
        var torrent = new Torrent(info, [[" http://a/ ", "http://a/"], [], ["http://a/", "udp://b/"]], comment: "",
            createdBy: "", creationDate: new DateTimeOffset(2024, 1, 2, 3, 4, 5, 678, TimeSpan.FromHours(2)), webSeeds: ["", "http://w/", "http://w/"]);
        Assert.Equal([["http://a/"], ["udp://b/"]], torrent.AnnounceTiers);
        Assert.Null(torrent.Comment);
        Assert.Null(torrent.CreatedBy);
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 1, 4, 5, TimeSpan.Zero), torrent.CreationDate);
        Assert.Equal(["http://w/"], torrent.WebSeeds);
    }

    [Theory]
    [InlineData("", "the .torrent file is empty")]
    [InlineData("<html>", "does not start with a bencoded dictionary")]
    [InlineData("le", "does not start with a bencoded dictionary")]
    [InlineData("de", "has no 'info' dictionary")]
    [InlineData("d8:announce3:abce", "has no 'info' dictionary")]
    [InlineData("d4:infoi1ee", "info is not a dictionary")]
    [InlineData("d4:infod", "unterminated list or dictionary")]
    [InlineData("d8:announce1:x8:announce1:ye", "duplicate dictionary key \"announce\"")]
    [InlineData("d5:zzzzz1:x4:infodee", "dictionary key \"info\" is out of order (after \"zzzzz\")")]
    public void RejectsMalformedFiles(string input, string reason)
    {
        var ex = Assert.Throws<InvalidTorrentException>(() => Torrent.Parse(Bytes(input)));
        Assert.Contains(reason, ex.Message);
    }

    [Fact]
    public void RejectsTrailingBytes()
    {
        var bytes = TorrentFile(SingleFileInfo()).Concat("\n"u8.ToArray()).ToArray();
        Assert.Contains("1 trailing bytes", Assert.Throws<InvalidTorrentException>(() => Torrent.Parse(bytes)).Message);
    }

    [Fact]
    public void ReportsTheInfoDictionaryProblem()
    {
        var ex = Assert.Throws<InvalidTorrentException>(() => Torrent.Parse(TorrentFile(MultiFileInfo("x", ("../../etc/passwd", 1)))));
        Assert.Contains("unsafe path 'x/../../etc/passwd'", ex.Message);
    }

    [Fact]
    public void SaveThenLoadRoundTrips()
    {
        using var dir = new TempDirectory("torrent");
        var original = Torrent.Parse(TorrentFile(MultiFileInfo("pack", ("a", 3), ("b", 5)), ("comment", new BString("saved"))));
        var path = dir.Combine("pack.torrent");
        original.Save(path);
        var loaded = Torrent.Load(path);
        Assert.Equal(original.InfoHash, loaded.InfoHash);
        Assert.Equal("saved", loaded.Comment);
        Assert.Equal(original.Encode(), File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(dir.Path)); // no temporary file left behind
        original.Save(path); // overwriting is fine
    }

    [Fact]
    public void LoadExplainsMissingAndWrongFiles()
    {
        using var dir = new TempDirectory("torrent");
        Assert.Throws<FileNotFoundException>(() => Torrent.Load(dir.Combine("missing.torrent")));
        Assert.Contains("is a folder", Assert.Throws<InvalidTorrentException>(() => Torrent.Load(dir.Path)).Message);

        var corrupt = dir.Combine("corrupt.torrent");
        File.WriteAllText(corrupt, "d4:info");
        var ex = Assert.Throws<InvalidTorrentException>(() => Torrent.Load(corrupt));
        Assert.StartsWith(corrupt + ": ", ex.Message);
    }

    [Fact]
    public void LoadRefusesHugeFilesWithoutReadingThem()
    {
        using var dir = new TempDirectory("torrent");
        var path = dir.Combine("huge.torrent");
        using (var file = File.Create(path)) file.SetLength(Torrent.MaxFileSize + 1L); // sparse: costs no disk
        Assert.Contains("larger than any sane .torrent file", Assert.Throws<InvalidTorrentException>(() => Torrent.Load(path)).Message);
    }
}
