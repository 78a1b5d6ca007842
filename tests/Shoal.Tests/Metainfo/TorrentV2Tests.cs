using System.Security.Cryptography;
using Shoal.Bencoding;
using Shoal.Metainfo;
using Shoal.Tests.Support;
using static Shoal.Tests.Metainfo.V2Samples;

namespace Shoal.Tests.Metainfo;

/// <summary>BEP 52 (v2) and hybrid torrents: what Shoal builds, what it parses, and what it refuses.</summary>
public class TorrentV2Tests
{
    private const int Piece = 32 * 1024;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<Torrent> BuildAsync(string path, TorrentFormat format, int pieceLength = Piece) =>
        await new TorrentBuilder { PieceLength = pieceLength, Format = format, IncludeCreationDate = false }.BuildAsync(path, cancellationToken: Ct);

    [Fact]
    public async Task AV2SingleFileHasItsMerkleRootPieceLayerAndSha256InfoHash()
    {
        using var dir = new TempDirectory("v2");
        var path = dir.WriteRandomFile("movie.mkv", 5 * Piece + 100, seed: 3);
        var torrent = await BuildAsync(path, TorrentFormat.V2);
        var data = File.ReadAllBytes(path);
        var info = torrent.Info;

        Assert.True(info.HasV2);
        Assert.False(info.HasV1);
        Assert.Equal(SHA256.HashData(info.RawInfo.Span), info.InfoHashes.V2!.Value.Span.ToArray());
        Assert.Equal(info.InfoHashes.V2!.Value.Truncated, info.InfoHash); // the wire id of a v2-only torrent
        Assert.False(info.IsMultiFile);
        Assert.Equal(6, info.PieceCount);
        Assert.Equal(6 * Piece, info.TotalLength); // the last piece padded whole, as libtorrent lays it out
        Assert.Equal(data.Length, info.Files[0].Length);
        Assert.True(info.Files[1].IsPadding);
        Assert.Equal(NaiveMerkle.Root(data), info.Files[0].PiecesRoot.ToArray());
        Assert.Equal(NaiveMerkle.PieceLayer(data, Piece), torrent.PieceLayers!.ForFile(0).ToArray());
        Assert.True(torrent.PieceLayers.IsComplete);
        Assert.Throws<InvalidOperationException>(() => info.PieceHash(0).ToArray());

        var again = Torrent.Parse(torrent.Encode());
        Assert.Equal(torrent.InfoHashes, again.InfoHashes);
        Assert.Equal(torrent.Encode(), again.Encode());
        Assert.Equal(NaiveMerkle.PieceLayer(data, Piece), again.PieceLayers!.ForFile(0).ToArray());
    }

    [Fact]
    public async Task V2FilesStartOnPieceBoundariesInFileTreeOrder()
    {
        using var dir = new TempDirectory("v2");
        dir.WriteRandomFile("pack/a-b/x", 40_000, 1);
        dir.WriteRandomFile("pack/a/x", 20_000, 2);
        dir.WriteRandomFile("pack/a.txt", Piece, 3);
        dir.WriteRandomFile("pack/e", 0, 4);
        dir.WriteRandomFile("pack/z", 70_000, 5);
        var info = (await BuildAsync(dir.Combine("pack"), TorrentFormat.V2)).Info;

        // Component order ("a" < "a-b" < "a.txt"), not the joined paths' order ("a-b/x" < "a.txt" < "a/x").
        Assert.Equal(["a/x", ".pad/12768", "a-b/x", ".pad/25536", "a.txt", "e", "z", ".pad/28304"], info.Files.Select(f => f.Path));
        foreach (var file in info.Files.Where(f => !f.IsPadding && f.Length > 0)) Assert.Equal(0, file.Offset % Piece);
        Assert.Equal(1 + 2 + 1 + 3, info.PieceCount);
        Assert.Equal(7 * Piece, info.TotalLength); // the last file is padded too, as libtorrent does
        Assert.True(info.IsMultiFile);
        Assert.Empty(info.Files.Single(f => f.Path == "e").PiecesRoot.ToArray());
    }

    [Fact]
    public async Task AHybridCarriesBothHashesAndAPaddedV1ListOfTheSameFiles()
    {
        using var dir = new TempDirectory("v2");
        var a = File.ReadAllBytes(dir.WriteRandomFile("pack/a", 40_000, 1));
        File.ReadAllBytes(dir.WriteRandomFile("pack/b", 0, 2));
        var c = File.ReadAllBytes(dir.WriteRandomFile("pack/c", 50_000, 3));
        var torrent = await BuildAsync(dir.Combine("pack"), TorrentFormat.Hybrid);
        var info = torrent.Info;

        Assert.True(info.IsHybrid);
        Assert.Equal(SHA1.HashData(info.RawInfo.Span), info.InfoHashes.V1!.Value.ToArray());
        Assert.Equal(info.InfoHashes.V1, info.InfoHash); // hybrids are joined through their v1 swarm by default
        Assert.Equal(["a", ".pad/25536", "b", "c", ".pad/15536"], info.Files.Select(f => f.Path)); // libtorrent pads the last file too
        Assert.Equal(NaiveMerkle.Root(a), info.Files[0].PiecesRoot.ToArray());
        Assert.Equal(NaiveMerkle.Root(c), info.Files[3].PiecesRoot.ToArray());

        // The v1 pieces hash the files with their padding's zeros.
        byte[] stream = [.. a, .. new byte[25_536], .. c, .. new byte[15_536]];
        Assert.Equal(TorrentSamples.PieceHashes(stream, Piece), info.PieceHashes.ToArray());
        Assert.Equal(torrent.InfoHashes, Torrent.Parse(torrent.Encode()).InfoHashes);
    }

    [Fact]
    public void ATreeOfOneFileNamedLikeTheTorrentIsSingleFileAndOtherwiseAFolder()
    {
        var data = Data(1000, 1);
        Assert.False(TorrentInfo.Parse(V2Info("x.bin", Piece, ("x.bin", data)).Encode()).IsMultiFile);
        var folder = TorrentInfo.Parse(V2Info("album", Piece, ("x.bin", data)).Encode());
        Assert.True(folder.IsMultiFile);
        Assert.Equal("x.bin", folder.Files[0].Path);
    }

    [Fact]
    public void PieceLayersAreCheckedAgainstTheRoots()
    {
        var big = Data(3 * Piece + 7, 1);
        var small = Data(Piece, 2);
        var info = V2Info("t", Piece, ("big", big), ("small", small));
        var layers = Layers(Piece, big, small);
        var torrent = Torrent.Parse(TorrentSamples.TorrentFile(info, ("piece layers", layers)));
        Assert.True(torrent.PieceLayers!.IsComplete);
        Assert.Equal(NaiveMerkle.PieceLayer(big, Piece), torrent.PieceLayers.ForFile(0).ToArray());
        Assert.True(torrent.PieceLayers.ForFile(2).IsEmpty); // a file of one piece needs none (index 1 is padding)

        var wrong = NaiveMerkle.PieceLayer(big, Piece);
        wrong[40] ^= 1;
        var bad = new BDictionary();
        bad.Set(NaiveMerkle.Root(big), new BString(wrong));
        var ex = Assert.Throws<InvalidTorrentException>(() => Torrent.Parse(TorrentSamples.TorrentFile(info, ("piece layers", bad))));
        Assert.Contains("does not hash to its pieces root", ex.Message);

        var shortLayer = new BDictionary();
        shortLayer.Set(NaiveMerkle.Root(big), new BString(NaiveMerkle.PieceLayer(big, Piece)[..96]));
        ex = Assert.Throws<InvalidTorrentException>(() => Torrent.Parse(TorrentSamples.TorrentFile(info, ("piece layers", shortLayer))));
        Assert.Contains("its 4 pieces need 128", ex.Message);

        // Absent: allowed, like a magnet link (the hashes come from peers); said so.
        var without = Torrent.Parse(TorrentSamples.TorrentFile(info));
        Assert.Null(without.PieceLayers);
        var empty = Torrent.Parse(TorrentSamples.TorrentFile(info, ("piece layers", new BDictionary())));
        Assert.Equal(1, empty.PieceLayers!.MissingFiles);
    }

    [Fact]
    public void IdenticalFilesShareOneLayer()
    {
        var same = Data(2 * Piece + 1, 9);
        var torrent = Torrent.Parse(TorrentSamples.TorrentFile(V2Info("t", Piece, ("a", same), ("b", same)), ("piece layers", Layers(Piece, same))));
        Assert.True(torrent.PieceLayers!.IsComplete);
        var again = Torrent.Parse(torrent.Encode());
        Assert.True(again.PieceLayers!.IsComplete);
    }

    public static TheoryData<string, Func<BDictionary, BDictionary>> BrokenInfos => new()
    {
        { "newer than Shoal understands", i => { i["meta version"] = new BInteger(3); i["piece length"] = new BString("junk"); return i; } },
        { "'meta version' 1 is not defined", i => { i["meta version"] = new BInteger(1); return i; } },
        { "has no 'file tree'", i => { i["file tree"] = null; return i; } },
        { "'file tree' is not a dictionary", i => { i["file tree"] = new BList(); return i; } },
        { "root is a file", i => { i["file tree"] = FileNode(10, new byte[32]); return i; } },
        { "is 31 bytes, not 32", i => { i["file tree"] = new BDictionary { { "f", FileNode(10, new byte[31]) } }; return i; } },
        { "has no pieces root", i => { i["file tree"] = new BDictionary { { "f", FileNode(10, null) } }; return i; } },
        { "has negative length", i => { i["file tree"] = new BDictionary { { "f", FileNode(-1, new byte[32]) } }; return i; } },
        { "has no length", i => { i["file tree"] = new BDictionary { { "f", new BDictionary { { "", new BDictionary() } } } }; return i; } },
        { "is both a file and a folder", i => {
            var node = FileNode(10, new byte[32]);
            node.Add("g", FileNode(10, new byte[32]));
            i["file tree"] = new BDictionary { { "f", node } };
            return i; } },
        { "unsafe path 'd/..'", i => { i["file tree"] = new BDictionary { { "d", new BDictionary { { "..", FileNode(10, new byte[32]) } } } }; return i; } },
        { "unsafe path 'a/b'", i => { i["file tree"] = new BDictionary { { "a/b", FileNode(10, new byte[32]) } }; return i; } },
        { "contains no data", i => { i["file tree"] = new BDictionary { { "f", FileNode(0, null) } }; return i; } },
        { "need more than 4194304 pieces", i => { i["file tree"] = new BDictionary { { "f", FileNode(1L << 60, new byte[32]) } }; return i; } },
    };

    [Theory]
    [MemberData(nameof(BrokenInfos))]
    public void BrokenV2InfoDictionariesAreRefusedWithTheReason(string reason, Func<BDictionary, BDictionary> breakIt)
    {
        var info = breakIt(V2Info("t", Piece, ("f", Data(100, 1))));
        var ex = Assert.Throws<InvalidTorrentException>(() => TorrentInfo.Parse(info.Encode()));
        Assert.Contains(reason, ex.Message);
    }

    [Fact]
    public void FileTreesNestOnlySoDeep()
    {
        var deep = FileNode(Data(10, 1));
        for (int i = 0; i < 50; i++) deep = new BDictionary { { $"d{i}", deep } };
        var info = new BDictionary { { "file tree", deep }, { "meta version", 2 }, { "name", "t" }, { "piece length", Piece } };
        Assert.Equal(50, Torrent.Parse(TorrentSamples.TorrentFile(info)).Info.Files[0].PathSegments.Count);

        for (int i = 50; i < 70; i++) deep = new BDictionary { { $"d{i}", deep } };
        info["file tree"] = deep;
        Assert.Throws<InvalidTorrentException>(() => Torrent.Parse(TorrentSamples.TorrentFile(info)));
    }

    [Fact]
    public void AHybridWhoseHalvesDisagreeIsRefused()
    {
        var a = Data(40_000, 1);
        var b = Data(20_000, 2);
        BDictionary Hybrid(params (string Path, long Length, bool Pad)[] v1Files)
        {
            var info = V2Info("t", Piece, ("a", a), ("b", b));
            var files = new BList();
            foreach (var (path, length, pad) in v1Files)
            {
                var entry = new BDictionary { { "length", length }, { "path", TorrentSamples.PathList(path.Split('/')) } };
                if (pad) entry.Add("attr", "p");
                files.Add(entry);
            }
            info.Add("files", files);
            info.Add("pieces", new BString(new byte[TorrentSamples.PieceCount(v1Files.Sum(f => f.Length), Piece) * 20]));
            return info;
        }

        Assert.True(TorrentInfo.Parse(Hybrid(("a", 40_000, false), (".pad/25536", 25_536, true), ("b", 20_000, false)).Encode()).IsHybrid);
        Assert.Contains("where the file tree has", Assert.Throws<InvalidTorrentException>(() =>
            TorrentInfo.Parse(Hybrid(("b", 40_000, false), (".pad/25536", 25_536, true), ("a", 20_000, false)).Encode())).Message);
        Assert.Contains("at 40000 in the v1 list", Assert.Throws<InvalidTorrentException>(() =>
            TorrentInfo.Parse(Hybrid(("a", 40_000, false), ("b", 20_000, false)).Encode())).Message); // not aligned
        Assert.Contains("in the file tree only", Assert.Throws<InvalidTorrentException>(() =>
            TorrentInfo.Parse(Hybrid(("a", 40_000, false)).Encode())).Message);
    }

    [Fact]
    public void CreatedV2InfoEqualsTheHandBuiltOne()
    {
        var a = Data(70_000, 1);
        var b = Data(10, 2);
        var built = TorrentInfo.CreateV2("t", Piece, [(["d", "b"], b.Length, NaiveMerkle.Root(b)), (["a"], a.Length, NaiveMerkle.Root(a))], multiFile: true);
        Assert.Equal(V2Info("t", Piece, ("a", a), ("d/b", b)).Encode(), built.RawInfo.ToArray());
    }
}
