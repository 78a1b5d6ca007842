using Shoal.Metainfo;
using Shoal.Tests.Support;

namespace Shoal.EndToEnd.Tests.Interop;

/// <summary>
/// BEP 52 torrents between Shoal and libtorrent 2: Shoal's v2 and hybrid torrents have libtorrent's info-hashes for the
/// same content and piece size, libtorrent's parse with the hashes libtorrent reports, and libtorrent verifies every
/// piece of Shoal's against the data (its merkle roots, piece layers and, for hybrids, SHA-1 pieces).
/// </summary>
[Trait("Category", "Interop")]
public class MetainfoV2InteropTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Names whose component order differs from their joined order, an empty file, one exactly a piece, one under a block.</summary>
    private static string MakeFolder(TempDirectory dir)
    {
        (string Path, int Length)[] files =
        [
            ("a-b/x", 40_000), ("a/x", 70_001), ("a.txt", 32 * 1024), ("empty", 0), ("z/deep/q", 100_000), ("tiny", 5), ("é space", 16_384 * 3),
        ];
        int seed = 1;
        foreach (var (path, length) in files) dir.WriteRandomFile(Path.Combine("pack", path), length, seed++);
        return dir.Combine("pack");
    }

    private static async Task<Torrent> BuildAsync(string source, TorrentFormat format, int pieceLength) =>
        await new TorrentBuilder { PieceLength = pieceLength, Format = format, IncludeCreationDate = false }.BuildAsync(source, cancellationToken: Ct);

    [Theory]
    [InlineData(false, false, 16 * 1024)]
    [InlineData(false, true, 32 * 1024)]
    [InlineData(true, false, 32 * 1024)]
    [InlineData(true, true, 64 * 1024)]
    [InlineData(true, true, 16 * 1024)]
    public async Task V2AndHybridInfoHashesMatchLibtorrent(bool folder, bool hybrid, int pieceLength)
    {
        ReferencePrograms.RequireLibtorrent();
        using var dir = new TempDirectory("v2-interop");
        var source = folder ? MakeFolder(dir) : dir.WriteRandomFile("movie.mkv", 3_000_017, seed: 5);
        var (v1, v2) = MetainfoTools.LibtorrentCreateV2(dir, source, dir.Combine("lt.torrent"), pieceLength, hybrid);

        var ours = await BuildAsync(source, hybrid ? TorrentFormat.Hybrid : TorrentFormat.V2, pieceLength);
        Assert.Equal(v2, ours.InfoHashes.V2!.Value.ToHex());
        Assert.Equal(v1, ours.InfoHashes.V1?.ToHex());
        // Byte for byte the same info dictionary, and the same piece layers.
        var theirs = Torrent.Load(dir.Combine("lt.torrent"));
        Assert.Equal(theirs.Info.RawInfo.ToArray(), ours.Info.RawInfo.ToArray());
        for (int i = 0; i < ours.Info.Files.Count; i++)
            Assert.Equal(theirs.PieceLayers!.ForFile(i).ToArray(), ours.PieceLayers!.ForFile(i).ToArray());
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void LibtorrentV2AndHybridTorrentsParseWithLibtorrentsHashesAndLayout(bool folder, bool hybrid)
    {
        ReferencePrograms.RequireLibtorrent();
        using var dir = new TempDirectory("v2-interop");
        var source = folder ? MakeFolder(dir) : dir.WriteRandomFile("movie.mkv", 1_000_003, seed: 6);
        var path = dir.Combine("lt.torrent");
        MetainfoTools.LibtorrentCreateV2(dir, source, path, 32 * 1024, hybrid);
        var described = MetainfoTools.LibtorrentDescribeV2(dir, path);

        var torrent = Torrent.Load(path);
        Assert.Equal(described.GetProperty("v2").GetString(), torrent.InfoHashes.V2!.Value.ToHex());
        Assert.Equal(described.GetProperty("v1").GetString(), torrent.InfoHashes.V1?.ToHex());
        Assert.Equal(described.GetProperty("pieces").GetInt32(), torrent.Info.PieceCount);
        Assert.True(torrent.PieceLayers!.IsComplete);
        // Where every data file sits in the piece space: libtorrent's offsets (its padding entries may differ at the end).
        var theirs = described.GetProperty("files").EnumerateArray().Where(f => !f.GetProperty("pad").GetBoolean() && f.GetProperty("size").GetInt64() > 0)
            .Select(f => (f.GetProperty("path").GetString()!, f.GetProperty("size").GetInt64(), f.GetProperty("offset").GetInt64()));
        var prefix = torrent.Info.IsMultiFile ? torrent.Info.Name + "/" : "";
        var ours = torrent.Info.Files.Where(f => !f.IsPadding && f.Length > 0).Select(f => (torrent.Info.IsMultiFile ? prefix + f.Path : f.Path, f.Length, f.Offset));
        Assert.Equal(theirs, ours);
        Assert.Equal(torrent.Encode(), Torrent.Parse(torrent.Encode()).Encode());
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public async Task LibtorrentVerifiesEveryPieceOfShoalsV2AndHybridTorrents(bool folder, bool hybrid)
    {
        ReferencePrograms.RequireLibtorrent();
        using var dir = new TempDirectory("v2-interop");
        var source = folder ? MakeFolder(dir) : dir.WriteRandomFile("single.bin", 2_500_001, seed: 9);
        var torrent = await BuildAsync(source, hybrid ? TorrentFormat.Hybrid : TorrentFormat.V2, 32 * 1024);
        var path = dir.Combine("shoal.torrent");
        torrent.Save(path);

        var (have, total, v1) = MetainfoTools.LibtorrentRecheck(dir, path, dir.Path);
        Assert.Equal(torrent.InfoHashes.V1?.ToHex(), v1);
        Assert.Equal(torrent.Info.PieceCount, total);
        Assert.Equal(total, have);
    }

    [Theory]
    [InlineData(false, "--v2")]
    [InlineData(true, "--v2")]
    [InlineData(false, "--hybrid")]
    [InlineData(true, "--hybrid")]
    public void ShoalCreateGivesLibtorrentsInfoHashes(bool folder, string flag)
    {
        ReferencePrograms.RequireLibtorrent();
        using var dir = new TempDirectory("v2-interop");
        var source = folder ? MakeFolder(dir) : dir.WriteRandomFile("movie.mkv", 1_234_567, seed: 8);
        var (v1, v2) = MetainfoTools.LibtorrentCreateV2(dir, source, dir.Combine("lt.torrent"), 64 * 1024, hybrid: flag == "--hybrid");

        var dll = Path.Combine(AppContext.BaseDirectory, "Shoal.Cli.dll");
        var created = ProcessRunner.Run("dotnet", [dll, "create", source, flag, "--piece-size", "64K", "-o", dir.Combine("shoal.torrent")],
            TimeSpan.FromSeconds(120), dir.Path);
        Assert.Equal(0, created.ExitCode);
        Assert.Contains($"info-hash  {v2} (v2)", created.StdOut);
        if (v1 is not null) Assert.Contains($"info-hash  {v1} (v1)", created.StdOut);
        else Assert.DoesNotContain("(v1)", created.StdOut);
        var torrent = Torrent.Load(dir.Combine("shoal.torrent"));
        Assert.Equal(v2, torrent.InfoHashes.V2!.Value.ToHex());
        Assert.Equal(v1, torrent.InfoHashes.V1?.ToHex());
    }
}
