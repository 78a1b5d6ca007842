using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using Shoal.Metainfo;
using Shoal.Tests.Support;

namespace Shoal.Tests.Metainfo;

public class TorrentBuilderTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(0L, 16 * 1024)]
    [InlineData(1L, 16 * 1024)]
    [InlineData(32_768_000L, 16 * 1024)]
    [InlineData(32_768_001L, 32 * 1024)]
    [InlineData(700_000_000L, 512 * 1024)]
    [InlineData(4L << 30, 4 << 20)]
    [InlineData(100L << 30, 16 << 20)]
    [InlineData(long.MaxValue, 16 << 20)]
    public void ChoosesPieceLengthsForAThousandToTwoThousandPieces(long total, int expected)
    {
        Assert.Equal(expected, TorrentBuilder.ChoosePieceLength(total));
    }

    [Fact]
    public void AutomaticPieceCountsStayInRange()
    {
        for (long total = 32_768_001; total < (32L << 30); total = total * 3 / 2)
        {
            int piece = TorrentBuilder.ChoosePieceLength(total);
            long count = (total + piece - 1) / piece;
            Assert.InRange(count, 1000, 2000);
            Assert.True(System.Numerics.BitOperations.IsPow2(piece));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(16 * 1024)]
    [InlineData(16 * 1024 * 3)]
    [InlineData(16 * 1024 * 3 + 17)]
    [InlineData(3 * 1024 * 1024 + 5)] // pieces bigger than the read chunk
    public async Task SingleFileHashesEqualSha1OfEachPiece(int length)
    {
        using var dir = new TempDirectory("build");
        var path = dir.WriteRandomFile("data.bin", length, seed: length);
        int pieceLength = length > 1 << 20 ? 2 << 20 : 16 * 1024;
        var torrent = await new TorrentBuilder { PieceLength = pieceLength }.BuildAsync(path, cancellationToken: Ct);

        var data = File.ReadAllBytes(path);
        Assert.Equal(TorrentSamples.PieceHashes(data, pieceLength), torrent.Info.PieceHashes.ToArray());
        Assert.False(torrent.Info.IsMultiFile);
        Assert.Equal("data.bin", torrent.Info.Name);
        Assert.Equal(length, torrent.Info.TotalLength);
    }

    [Fact]
    public async Task FolderIsOneStreamInByteOrderOfPaths()
    {
        using var dir = new TempDirectory("build");
        var root = dir.Combine("pack");
        // Names chosen so byte order differs from culture order and from directory order: '-' < '/' < 'Z' < '_' < 'a' < 'é'.
        var names = new[] { "b", "a", "x-y", "x/z", "x/Z/q", ".hidden", "Z", "_u", "é", "empty", "x/empty2" };
        int seed = 0;
        foreach (var name in names)
            dir.WriteRandomFile(Path.Combine("pack", name), name.Contains("empty") ? 0 : 5000 + 7919 * seed++, seed);
        Directory.CreateDirectory(Path.Combine(root, "no-files-here"));

        var torrent = await new TorrentBuilder { PieceLength = 16 * 1024, Workers = 3 }.BuildAsync(root, cancellationToken: Ct);

        string[] expected = [".hidden", "Z", "_u", "a", "b", "empty", "x-y", "x/Z/q", "x/empty2", "x/z", "é"];
        Assert.Equal(expected, torrent.Info.Files.Select(f => f.Path));
        var stream = expected.SelectMany(p => File.ReadAllBytes(Path.Combine(root, p))).ToArray();
        Assert.Equal(TorrentSamples.PieceHashes(stream, 16 * 1024), torrent.Info.PieceHashes.ToArray());
        Assert.True(torrent.Info.IsMultiFile);
        Assert.Equal("pack", torrent.Info.Name);
    }

    [Fact]
    public async Task AFolderWithOneFileIsStillMultiFile()
    {
        using var dir = new TempDirectory("build");
        dir.WriteRandomFile("only/file", 100);
        var torrent = await new TorrentBuilder().BuildAsync(dir.Combine("only"), cancellationToken: Ct);
        Assert.True(torrent.Info.IsMultiFile);
        Assert.Equal("file", Assert.Single(torrent.Info.Files).Path);
    }

    [Fact]
    public async Task ResultDoesNotDependOnWorkerCount()
    {
        using var dir = new TempDirectory("build");
        for (int i = 0; i < 20; i++) dir.WriteRandomFile($"many/f{i:00}", 1000 * i * i + 1, seed: i);
        var infos = new List<byte[]>();
        foreach (int workers in new[] { 1, 2, 7 })
        {
            var torrent = await new TorrentBuilder { PieceLength = 16 * 1024, Workers = workers, IncludeCreationDate = false }
                .BuildAsync(dir.Combine("many"), cancellationToken: Ct);
            infos.Add(torrent.Encode());
        }
        Assert.Equal(infos[0], infos[1]);
        Assert.Equal(infos[0], infos[2]);
    }

    [Fact]
    public async Task WritesMetadataAsAsked()
    {
        using var dir = new TempDirectory("build");
        var path = dir.WriteRandomFile("f", 1000);
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 5, 6, 7, 8, 9, TimeSpan.Zero));
        var builder = new TorrentBuilder(time) { Comment = "made in a test", IsPrivate = true };
        builder.AddTrackers("http://a/announce", "udp://b:6969");
        builder.AnnounceTiers.Add(["http://c/", "http://d/"]);
        builder.WebSeeds.Add("http://seed/f");
        var torrent = Torrent.Parse((await builder.BuildAsync(path, cancellationToken: Ct)).Encode());

        Assert.Equal([["http://a/announce"], ["udp://b:6969"], ["http://c/", "http://d/"]], torrent.AnnounceTiers);
        Assert.Equal("made in a test", torrent.Comment);
        Assert.True(torrent.Info.IsPrivate);
        Assert.Equal(time.GetUtcNow(), torrent.CreationDate);
        Assert.StartsWith("Shoal/", torrent.CreatedBy);
        Assert.Equal(TorrentBuilder.DefaultCreatedBy, torrent.CreatedBy);
        Assert.Equal(["http://seed/f"], torrent.WebSeeds);

        builder.IncludeCreationDate = false;
        builder.CreatedBy = null;
        var plain = await builder.BuildAsync(path, cancellationToken: Ct);
        Assert.Null(plain.CreationDate);
        Assert.Null(plain.CreatedBy);
        Assert.Equal(torrent.InfoHash, plain.InfoHash); // metadata outside the info dictionary
    }

    [Fact]
    public async Task ReportsProgressUpToTheTotal()
    {
        using var dir = new TempDirectory("build");
        var path = dir.WriteRandomFile("f", 200_000);
        var reports = new List<long>();
        var progress = new Collect(reports);
        await new TorrentBuilder { PieceLength = 16 * 1024 }.BuildAsync(path, progress, Ct);
        Assert.Equal(13, reports.Count); // one report per piece
        Assert.Equal(200_000, reports.Max());
        Assert.All(reports, r => Assert.InRange(r, 1, 200_000));
    }

    [Fact]
    public async Task StopsWhenCancelled()
    {
        using var dir = new TempDirectory("build");
        var path = dir.WriteRandomFile("f", 1 << 20);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new TorrentBuilder().BuildAsync(path, cancellationToken: cts.Token));
    }

    [Fact]
    public async Task CancellingMidwayStopsTheWorkers()
    {
        using var dir = new TempDirectory("build");
        var path = dir.WriteRandomFile("f", 4 << 20);
        using var cts = new CancellationTokenSource();
        var progress = new Collect([], onReport: () => cts.Cancel());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new TorrentBuilder { PieceLength = 16 * 1024, Workers = 2 }.BuildAsync(path, progress, cts.Token));
    }

    [Fact]
    public async Task AFileThatShrinksWhileHashingIsAnError()
    {
        using var dir = new TempDirectory("build");
        var path = dir.WriteRandomFile("f", 100_000);
        var content = TorrentContent.Scan(path);
        using (var file = File.OpenWrite(path)) file.SetLength(50_000);
        var ex = await Assert.ThrowsAsync<IOException>(() => new TorrentBuilder().BuildAsync(content, cancellationToken: Ct));
        Assert.Contains("became shorter", ex.Message);
    }

    [Fact]
    public async Task RefusesEmptyContentAndBadPieceLengths()
    {
        using var dir = new TempDirectory("build");
        File.WriteAllBytes(dir.Combine("zero"), []);
        Directory.CreateDirectory(dir.Combine("empties"));
        File.WriteAllBytes(dir.Combine("empties", "a"), []);
        Directory.CreateDirectory(dir.Combine("nothing", "inside"));
        var path = dir.WriteRandomFile("f", 10);

        Assert.Contains("holds no data", (await Assert.ThrowsAsync<IOException>(() => new TorrentBuilder().BuildAsync(dir.Combine("zero"), cancellationToken: Ct))).Message);
        Assert.Contains("holds no data", (await Assert.ThrowsAsync<IOException>(() => new TorrentBuilder().BuildAsync(dir.Combine("empties"), cancellationToken: Ct))).Message);
        Assert.Contains("holds no files", Assert.Throws<IOException>(() => TorrentContent.Scan(dir.Combine("nothing"))).Message);
        Assert.Throws<FileNotFoundException>(() => TorrentContent.Scan(dir.Combine("missing")));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => new TorrentBuilder { PieceLength = 1000 }.BuildAsync(path, cancellationToken: Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => new TorrentBuilder { PieceLength = 8192 }.BuildAsync(path, cancellationToken: Ct));
    }

    private sealed class Collect(List<long> reports, Action? onReport = null) : IProgress<long>
    {
        public void Report(long value)
        {
            lock (reports) reports.Add(value);
            onReport?.Invoke();
        }
    }
}
