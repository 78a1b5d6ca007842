using Shoal.Metainfo;
using Shoal.Tests.Support;

namespace Shoal.EndToEnd.Tests.Interop;

/// <summary>
/// Shoal's .torrent files against mktorrent's and libtorrent's: same info-hash for the same input, each side reads the
/// other's files with the hash the other reports, and libtorrent verifies every piece Shoal hashed.
/// </summary>
[Trait("Category", "Interop")]
public class MetainfoInteropTests
{
    private const string Tracker = "http://127.0.0.1:9/announce"; // discard port: never answers, never leaves the machine
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// A folder whose listing order differs between byte order, culture order and directory order. No two paths differ
    /// only in case: libtorrent renames such files (x/z.1) to suit case-insensitive file systems.
    /// </summary>
    private static string MakeFolder(TempDirectory dir, string name = "pack")
    {
        (string Path, int Length)[] files =
        [
            ("b.bin", 100_000), ("a.bin", 70_001), ("x-y", 3), ("x/z", 40_000), ("x/Q/deep/q", 16_384), (".hidden", 12),
            ("Z", 1), ("_under", 5_000), ("é-accent", 33_333), ("space name.txt", 777), ("empty", 0), ("x/also-empty", 0),
        ];
        int seed = 1;
        foreach (var (path, length) in files) dir.WriteRandomFile(System.IO.Path.Combine(name, path), length, seed++);
        return dir.Combine(name);
    }

    private static async Task<Torrent> BuildAsync(string path, int pieceLength, bool isPrivate = false, params string[] trackers)
    {
        var builder = new TorrentBuilder { PieceLength = pieceLength, IsPrivate = isPrivate, IncludeCreationDate = false };
        builder.AddTrackers(trackers.Length == 0 ? [Tracker] : trackers);
        return await builder.BuildAsync(path, cancellationToken: Ct);
    }

    [Theory]
    [InlineData(32 * 1024, false)]
    [InlineData(64 * 1024, true)]
    public async Task FolderInfoHashMatchesMktorrent(int pieceLength, bool isPrivate)
    {
        using var dir = new TempDirectory("interop");
        var folder = MakeFolder(dir);
        var mkPath = dir.Combine("mk.torrent");
        MetainfoTools.Mktorrent(folder, mkPath, pieceLength, [Tracker], isPrivate);

        var ours = await BuildAsync(folder, pieceLength, isPrivate);
        var theirs = Torrent.Load(mkPath);
        Assert.Equal(theirs.InfoHash, ours.InfoHash);
        Assert.Equal(theirs.Info.RawInfo.ToArray(), ours.Info.RawInfo.ToArray());
    }

    [Fact]
    public async Task WholeFileMatchesMktorrentApartFromCreatedBy()
    {
        using var dir = new TempDirectory("interop");
        var folder = MakeFolder(dir);
        var mkPath = dir.Combine("mk.torrent");
        string[] trackers = ["http://127.0.0.1:9/a", "udp://127.0.0.1:9", "http://127.0.0.1:9/c"];
        MetainfoTools.Mktorrent(folder, mkPath, 32 * 1024, trackers, comment: "same comment");

        var builder = new TorrentBuilder { PieceLength = 32 * 1024, IncludeCreationDate = false, Comment = "same comment", CreatedBy = "mktorrent 1.1" };
        builder.AddTrackers(trackers);
        var ours = await builder.BuildAsync(folder, cancellationToken: Ct);
        Assert.Equal(File.ReadAllBytes(mkPath), ours.Encode());
    }

    [Fact]
    public async Task SingleFileInfoHashMatchesMktorrentAndLibtorrent()
    {
        ReferencePrograms.RequireLibtorrent();
        using var dir = new TempDirectory("interop");
        var file = dir.WriteRandomFile("movie.mkv", 5_000_123, seed: 42);
        var mkPath = dir.Combine("mk.torrent");
        MetainfoTools.Mktorrent(file, mkPath, 256 * 1024, [Tracker]);
        var ltHash = MetainfoTools.LibtorrentCreate(dir, file, dir.Combine("lt.torrent"), 256 * 1024, Tracker);

        var ours = await BuildAsync(file, 256 * 1024);
        Assert.Equal(ltHash, ours.InfoHash.ToHex());
        Assert.Equal(Torrent.Load(mkPath).InfoHash, ours.InfoHash);
        Assert.Equal(ltHash, Torrent.Load(dir.Combine("lt.torrent")).InfoHash.ToHex());
    }

    [Fact]
    public void MktorrentFilesParseWithTheHashLibtorrentReports()
    {
        using var dir = new TempDirectory("interop");
        var folder = MakeFolder(dir);
        var mkPath = dir.Combine("mk.torrent");
        MetainfoTools.Mktorrent(folder, mkPath, 32 * 1024, [Tracker, "udp://127.0.0.1:9"], isPrivate: true, comment: "c", noDate: false);

        var described = MetainfoTools.LibtorrentDescribe(dir, mkPath);
        var torrent = Torrent.Load(mkPath);
        Assert.Equal(described.GetProperty("infoHash").GetString(), torrent.InfoHash.ToHex());
        Assert.Equal(described.GetProperty("pieces").GetInt32(), torrent.Info.PieceCount);
        Assert.Equal(described.GetProperty("total").GetInt64(), torrent.Info.TotalLength);
        Assert.True(torrent.Info.IsPrivate);
        Assert.Equal("c", torrent.Comment);
        Assert.Equal("mktorrent 1.1", torrent.CreatedBy);
        Assert.NotNull(torrent.CreationDate);
        Assert.Equal([[Tracker], ["udp://127.0.0.1:9"]], torrent.AnnounceTiers);
        Assert.Equal(described.GetProperty("trackers").EnumerateArray().Select(t => t.GetString()), torrent.Trackers);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // BEP 47 padding files (canonical_files)
    public void LibtorrentFolderTorrentsParseWithTheHashLibtorrentReports(bool padded)
    {
        using var dir = new TempDirectory("interop");
        var folder = MakeFolder(dir);
        var ltPath = dir.Combine("lt.torrent");
        var ltHash = MetainfoTools.LibtorrentCreate(dir, folder, ltPath, 16 * 1024, Tracker, padded);
        var described = MetainfoTools.LibtorrentDescribe(dir, ltPath);

        var torrent = Torrent.Load(ltPath);
        Assert.Equal(ltHash, torrent.InfoHash.ToHex());
        var theirFiles = described.GetProperty("files").EnumerateArray()
            .Select(f => (f.GetProperty("path").GetString()!, f.GetProperty("size").GetInt64(), f.GetProperty("pad").GetBoolean())).ToArray();
        var ourFiles = torrent.Info.Files.Select(f => ($"pack/{f.Path}", f.Length, f.IsPadding)).ToArray();
        Assert.Equal(theirFiles, ourFiles);
        Assert.Equal(padded, torrent.Info.Files.Any(f => f.IsPadding));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task LibtorrentLoadsShoalTorrentsAndVerifiesEveryPiece(bool folder)
    {
        using var dir = new TempDirectory("interop");
        var source = folder ? MakeFolder(dir) : dir.WriteRandomFile("single.bin", 3_000_001, seed: 9);
        var torrent = await BuildAsync(source, 32 * 1024, isPrivate: folder);
        var path = dir.Combine("shoal.torrent");
        torrent.Save(path);

        var described = MetainfoTools.LibtorrentDescribe(dir, path);
        Assert.Equal(torrent.InfoHash.ToHex(), described.GetProperty("infoHash").GetString());
        Assert.Equal(torrent.Info.PieceCount, described.GetProperty("pieces").GetInt32());
        Assert.Equal(folder, described.GetProperty("private").GetBoolean());

        var (have, total, hash) = MetainfoTools.LibtorrentRecheck(dir, path, dir.Path);
        Assert.Equal(torrent.InfoHash.ToHex(), hash);
        Assert.Equal(total, have);
    }
}
