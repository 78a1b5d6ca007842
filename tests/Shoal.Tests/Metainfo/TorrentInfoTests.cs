using System.Security.Cryptography;
using Shoal.Bencoding;
using Shoal.Metainfo;
using static Shoal.Tests.Metainfo.TorrentSamples;

namespace Shoal.Tests.Metainfo;

public class TorrentInfoTests
{
    private static InvalidTorrentException Invalid(BDictionary info) =>
        Assert.Throws<InvalidTorrentException>(() => TorrentInfo.Parse(info.Encode()));

    [Fact]
    public void ParsesASingleFileInfoDictionary()
    {
        var data = new byte[40_000];
        new Random(3).NextBytes(data);
        var dict = SingleFileInfo("movie.mkv", data.Length);
        dict["pieces"] = new BString(PieceHashes(data));
        var info = TorrentInfo.Parse(dict.Encode());

        Assert.Equal("movie.mkv", info.Name);
        Assert.False(info.IsMultiFile);
        Assert.False(info.IsPrivate);
        Assert.Equal(PieceLength, info.PieceLength);
        Assert.Equal(3, info.PieceCount);
        Assert.Equal(40_000, info.TotalLength);
        Assert.Equal(PieceLength, info.PieceSize(0));
        Assert.Equal(40_000 - 2 * PieceLength, info.PieceSize(2));
        Assert.Equal(SHA1.HashData(data.AsSpan(PieceLength, PieceLength)), info.PieceHash(1).ToArray());
        var file = Assert.Single(info.Files);
        Assert.Equal(["movie.mkv"], file.PathSegments);
        Assert.Equal(0, file.Offset);
        Assert.Throws<ArgumentOutOfRangeException>(() => info.PieceSize(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => info.PieceSize(-1));
    }

    [Fact]
    public void ParsesAMultiFileInfoDictionaryWithOffsets()
    {
        var info = TorrentInfo.Parse(MultiFileInfo("album", ("cd1/01.flac", 20_000), ("cd1/02.flac", 0), ("cover.jpg", 5_000)).Encode());
        Assert.True(info.IsMultiFile);
        Assert.Equal("album", info.Name);
        Assert.Equal(25_000, info.TotalLength);
        Assert.Equal(2, info.PieceCount);
        Assert.Equal(["cd1/01.flac", "cd1/02.flac", "cover.jpg"], info.Files.Select(f => f.Path));
        Assert.Equal([0L, 20_000, 20_000], info.Files.Select(f => f.Offset));
        Assert.Equal(25_000, info.Files[^1].EndOffset);
    }

    /// <summary>
    /// Found by fuzz/ (the 'torrent' target's allocation guard): the path safety check built the whole path string for
    /// every segment, so a path of 2,000 one-letter folders cost ~16 MB and a 300 KB info dictionary of 50 such files
    /// ~800 MB, quadratic in the path length. Allocation is counted, not timed, so the test is deterministic.
    /// </summary>
    [Fact]
    public void DeepFilePathsAreCheckedInLinearMemory()
    {
        var deepPath = string.Join('/', Enumerable.Repeat("a", 2040).Append("f"));
        var bytes = MultiFileInfo("deep", (deepPath, 100)).Encode();
        TorrentInfo.Parse(bytes); // warm up: first-call costs are not what is measured

        long before = GC.GetAllocatedBytesForCurrentThread();
        var info = TorrentInfo.Parse(bytes);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(2041, info.Files[0].PathSegments.Count);
        Assert.True(allocated < 2_000_000, $"parsing a {bytes.Length}-byte info dictionary allocated {allocated:N0} bytes");
    }

    [Fact]
    public void InfoHashIsTheSha1OfTheBytesAsGiven()
    {
        // Unknown keys (here 'source' and 'x-extra') are part of the hash.
        var dict = SingleFileInfo();
        dict.Add("source", "tracker-x");
        dict.Add("x-extra", new BList([new BInteger(1)]));
        var bytes = dict.Encode();
        var info = TorrentInfo.Parse(bytes);
        Assert.Equal(SHA1.HashData(bytes), info.InfoHash.ToArray());
        Assert.Equal(bytes, info.RawInfo.ToArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(8192)]
    [InlineData(16385)]
    [InlineData(3 * 16384)]
    [InlineData(512 * 1024 * 1024)]
    [InlineData(-16384)]
    public void RejectsBadPieceLengths(long pieceLength)
    {
        var dict = SingleFileInfo();
        dict.Add("piece length", pieceLength);
        Assert.Contains($"piece length {pieceLength} is not a power of two", Invalid(dict).Message);
    }

    [Fact]
    public void AcceptsTheLargestPieceLength()
    {
        var info = TorrentInfo.Parse(SingleFileInfo(length: 1, pieceLength: TorrentInfo.MaxPieceLength).Encode());
        Assert.Equal(TorrentInfo.MaxPieceLength, info.PieceLength);
    }

    [Fact]
    public void RejectsPiecesOfTheWrongSize()
    {
        var dict = SingleFileInfo();
        dict["pieces"] = new BString(new byte[59]);
        Assert.Contains("not a multiple of 20", Invalid(dict).Message);
        dict["pieces"] = new BString(new byte[40]);
        Assert.Contains("'pieces' holds 2 hashes but 40000 bytes in pieces of 16384 need 3", Invalid(dict).Message);
        dict["pieces"] = new BString(new byte[80]);
        Assert.Contains("holds 4 hashes", Invalid(dict).Message);
        dict["pieces"] = new BInteger(0);
        Assert.Contains("'pieces' is not a byte string", Invalid(dict).Message);
        dict["pieces"] = null;
        Assert.Contains("no 'pieces'", Invalid(dict).Message);
    }

    [Fact]
    public void RejectsMissingOrContradictoryFields()
    {
        var noName = SingleFileInfo();
        noName["name"] = null;
        Assert.Contains("no 'name'", Invalid(noName).Message);

        var noPieceLength = SingleFileInfo();
        noPieceLength["piece length"] = null;
        Assert.Contains("no 'piece length'", Invalid(noPieceLength).Message);

        var both = MultiFileInfo("x", ("a", 10));
        both.Add("length", 10);
        Assert.Contains("both 'length' and 'files'", Invalid(both).Message);

        var neither = SingleFileInfo();
        neither["length"] = null;
        Assert.Contains("neither 'length' nor 'files'", Invalid(neither).Message);

        var empty = MultiFileInfo("x");
        Assert.Contains("'files' is empty", Invalid(empty).Message);

        var zero = SingleFileInfo(length: 0);
        Assert.Contains("total length 0", Invalid(zero).Message);

        var nameNotString = SingleFileInfo();
        nameNotString["name"] = new BInteger(5);
        Assert.Contains("'name' is not a string", Invalid(nameNotString).Message);

        Assert.Contains("info is not a dictionary", Assert.Throws<InvalidTorrentException>(() => TorrentInfo.Parse("le"u8.ToArray())).Message);
    }

    [Fact]
    public void RejectsNegativeLengths()
    {
        Assert.Contains("file length -5 is negative", Invalid(SingleFileInfo(length: -5)).Message);
        Assert.Contains("file 'a/b' has negative length -1", Invalid(MultiFileInfo("x", ("a/b", -1))).Message);
    }

    [Fact]
    public void RejectsATotalLengthBeyond64Bits()
    {
        var dict = MultiFileInfo("x", ("a", long.MaxValue), ("b", long.MaxValue));
        dict["pieces"] = new BString(new byte[20]);
        Assert.Contains("does not fit in 64 bits", Invalid(dict).Message);
    }

    [Fact]
    public void SingleFileOfHugeLengthDoesNotOverflowThePieceCount()
    {
        var dict = SingleFileInfo(length: 1);
        dict["length"] = new BInteger(long.MaxValue);
        Assert.Contains("need 562949953421312", Invalid(dict).Message);
    }

    [Theory]
    [InlineData("../etc/passwd", "the path component '..'")]
    [InlineData("a/../../b", "the path component '..'")]
    [InlineData("./a", "the path component '.'")]
    [InlineData("a//b", "an empty path component")]
    [InlineData("a/CON", "the reserved device name 'CON'")]
    [InlineData("nul.txt", "the reserved device name 'nul.txt'")]
    [InlineData("a\\..\\b", "a path separator inside a component")]
    [InlineData("bad\u0007bell", "a control character")]
    [InlineData("esc\u001b[2J", "a control character")]
    public void RejectsUnsafePathsNamingThem(string path, string why)
    {
        var message = Invalid(MultiFileInfo("root", ("ok.txt", 1), (path, 1))).Message;
        Assert.Contains($"unsafe path 'root/", message);
        Assert.Contains(why, message);
        Assert.DoesNotContain("\u001b", message); // never echo terminal escapes back
    }

    [Fact]
    public void RejectsAnAbsolutePathSegment()
    {
        var dict = MultiFileInfo("root", ("x", 1));
        var file = (BDictionary)((BList)dict["files"]!)[0];
        file["path"] = PathList(["/etc/passwd"]);
        Assert.Contains("unsafe path 'root//etc/passwd'", Invalid(dict).Message);
    }

    [Theory]
    [InlineData("..")]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("COM1")]
    public void RejectsAnUnsafeName(string name)
    {
        Assert.Contains("unsafe path", Invalid(SingleFileInfo(name: name)).Message);
    }

    [Fact]
    public void RejectsAnEmptyPathList()
    {
        var dict = MultiFileInfo("root", ("x", 1));
        ((BDictionary)((BList)dict["files"]!)[0])["path"] = new BList();
        Assert.Contains("empty path", Invalid(dict).Message);
    }

    [Fact]
    public void RejectsDuplicatePaths()
    {
        Assert.Contains("file path 'root/a/b' appears twice", Invalid(MultiFileInfo("root", ("a/b", 1), ("c", 1), ("a/b", 1))).Message);
    }

    [Theory]
    [InlineData("a", "a/b")]
    [InlineData("a/b", "a")]
    [InlineData("a/b/c", "a/b")]
    public void RejectsAPathThatIsBothFileAndFolder(string first, string second)
    {
        var message = Invalid(MultiFileInfo("root", (first, 1), (second, 1))).Message;
        Assert.Contains("is both a file and a folder", message);
        Assert.Contains(first.Length < second.Length ? $"'root/{first}'" : $"'root/{second}'", message);
    }

    [Fact]
    public void AcceptsSiblingsWithSharedPrefixes()
    {
        var info = TorrentInfo.Parse(MultiFileInfo("root", ("a/b", 1), ("a/bc", 1), ("ab", 1), ("a/c/d", 1)).Encode());
        Assert.Equal(4, info.Files.Count);
    }

    [Fact]
    public void RecognisesPaddingFiles()
    {
        var dict = MultiFileInfo("root", PieceLength, [("a", 100, false), (".pad/16284", 16284, true), ("b", 10, false),
            (".pad/16284", 16284, true), ("c/_____padding_file_0_", 5, false)]);
        var info = TorrentInfo.Parse(dict.Encode());
        Assert.Equal([false, true, false, true, true], info.Files.Select(f => f.IsPadding));
        Assert.Equal(16384, info.Files[2].Offset);
    }

    [Fact]
    public void ReadsThePrivateFlag()
    {
        var dict = SingleFileInfo();
        dict.Add("private", 1);
        Assert.True(TorrentInfo.Parse(dict.Encode()).IsPrivate);
        dict["private"] = new BInteger(0);
        Assert.False(TorrentInfo.Parse(dict.Encode()).IsPrivate);
        dict["private"] = new BString("1");
        Assert.False(TorrentInfo.Parse(dict.Encode()).IsPrivate);
    }

    [Fact]
    public void PrefersUtf8Names()
    {
        var dict = MultiFileInfo("legacy", ("old", 3));
        dict.Add("name.utf-8", "naïve");
        ((BDictionary)((BList)dict["files"]!)[0]).Add("path.utf-8", PathList(["café"]));
        var info = TorrentInfo.Parse(dict.Encode());
        Assert.Equal("naïve", info.Name);
        Assert.Equal("café", info.Files[0].Path);
    }

    [Fact]
    public void BoundsPathLength()
    {
        var deep = string.Join('/', Enumerable.Repeat("d", 2000)); // 3999 characters: allowed, and fast
        Assert.Single(TorrentInfo.Parse(MultiFileInfo("root", (deep, 1)).Encode()).Files);
        var tooLong = string.Join('/', Enumerable.Repeat("dd", 1400));
        Assert.Contains($"longer than {TorrentInfo.MaxPathLength}", Invalid(MultiFileInfo("root", (tooLong, 1))).Message);
    }

    [Fact]
    public void WrapsBencodeErrors()
    {
        var ex = Assert.Throws<InvalidTorrentException>(() => TorrentInfo.Parse("d4:name1:x4:name1:ye"u8.ToArray()));
        Assert.Contains("duplicate dictionary key \"name\"", ex.Message);
        Assert.IsType<BencodeException>(ex.InnerException);
    }

    [Fact]
    public void CreateBuildsACanonicalDictionary()
    {
        var hashes = new byte[2 * 20];
        var info = TorrentInfo.Create("pack", PieceLength, hashes,
            [(["b", "x"], 20_000L, false), (["a"], 5L, false)], multiFile: true, isPrivate: true);
        Assert.True(info.IsPrivate);
        Assert.Equal(["b/x", "a"], info.Files.Select(f => f.Path)); // list order kept, keys sorted
        Assert.Equal(info.RawInfo.ToArray(), BValue.Parse(info.RawInfo.Span).Encode());
        Assert.Throws<ArgumentException>(() => TorrentInfo.Create("x", PieceLength, new byte[20], [(["x"], 1L, false), (["y"], 1L, false)], multiFile: false));
    }
}
