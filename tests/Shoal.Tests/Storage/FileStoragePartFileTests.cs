using Microsoft.Extensions.Time.Testing;
using Shoal.Storage;
using Shoal.Tests.Support;

namespace Shoal.Tests.Storage;

/// <summary>Skipped files: never created, their share of pieces shared with wanted files kept in the part file.</summary>
public class FileStoragePartFileTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // 16 KiB pieces: a.bin = pieces 0–1, b.bin = pieces 1–3 (piece 2 wholly inside it), c.bin = piece 3.
    private static readonly (Shoal.Metainfo.TorrentInfo Info, byte[] Data) Torrent = TestTorrents.Create("album", 16 * 1024, true,
        new TestTorrents.Spec("a.bin", 20_000), new TestTorrents.Spec("b.bin", 30_000), new TestTorrents.Spec("c.bin", 5_000));

    private static StorageOptions Options(params bool[] skipped) => new() { TimeProvider = new FakeTimeProvider(), SkippedFiles = skipped.Length == 0 ? null : skipped };

    private static Task<FileStorage> OpenAsync(TempDirectory dir, params bool[] skipped) =>
        FileStorage.OpenAsync(Torrent.Info, dir.Path, Options(skipped), null, Ct);

    [Fact]
    public async Task A_skipped_file_is_never_created_and_the_pieces_it_shares_verify_and_serve_whole()
    {
        using var dir = new TempDirectory("partfile");
        var (info, data) = Torrent;
        await using (var storage = await OpenAsync(dir, false, true, false))
        {
            foreach (int piece in new[] { 0, 1, 3 }) await TestTorrents.WriteAndVerifyAsync(storage, data, piece, Ct);
            Assert.False(File.Exists(dir.Combine("album", "b.bin")));
            Assert.False(File.Exists(dir.Combine("album", "b.bin.part")));
            Assert.True(File.Exists(storage.PartFilePath));
            Assert.Equal(TestTorrents.FileBytes(info, data, 0), await File.ReadAllBytesAsync(dir.Combine("album", "a.bin"), Ct));
            Assert.Equal(TestTorrents.FileBytes(info, data, 2), await File.ReadAllBytesAsync(dir.Combine("album", "c.bin"), Ct));
            // Uploading a shared piece reads the skipped file's share from the part file.
            foreach (int piece in new[] { 1, 3 })
            {
                var whole = new byte[info.PieceSize(piece)];
                await storage.ReadAsync(piece, 0, whole, Ct);
                Assert.Equal(TestTorrents.Piece(info, data, piece).ToArray(), whole);
            }
        }
        Assert.False(File.Exists(dir.Combine("album", "b.bin")));
    }

    [Fact]
    public async Task After_a_restart_the_shared_pieces_verify_again_from_the_part_file()
    {
        using var dir = new TempDirectory("partfile");
        var (_, data) = Torrent;
        await using (var storage = await OpenAsync(dir, false, true, false))
        {
            foreach (int piece in new[] { 0, 1, 3 }) await TestTorrents.WriteAndVerifyAsync(storage, data, piece, Ct);
        }
        await using var reopened = await OpenAsync(dir, false, true, false);
        Assert.Equal([true, true, false, true], Enumerable.Range(0, 4).Select(p => reopened.Verified[p]));
        Assert.True(reopened.IsParked(1));
        Assert.False(File.Exists(dir.Combine("album", "b.bin.part")));
    }

    [Fact]
    public async Task Wanting_the_file_later_moves_its_shared_bytes_into_it_and_the_part_file_goes()
    {
        using var dir = new TempDirectory("partfile");
        var (info, data) = Torrent;
        string partFile;
        await using (var storage = await OpenAsync(dir, false, true, false))
        {
            partFile = storage.PartFilePath;
            foreach (int piece in new[] { 0, 1, 3 }) await TestTorrents.WriteAndVerifyAsync(storage, data, piece, Ct);
            await storage.SetSkippedFilesAsync([false, false, false], Ct);
            Assert.False(storage.IsParked(1));
            Assert.True(File.Exists(dir.Combine("album", "b.bin.part")));
            await TestTorrents.WriteAndVerifyAsync(storage, data, 2, Ct);
            Assert.Equal(TestTorrents.FileBytes(info, data, 1), await File.ReadAllBytesAsync(dir.Combine("album", "b.bin"), Ct));
        }
        Assert.False(File.Exists(partFile));
        // Nothing depends on the part file any more: a fresh open finds every piece in the files.
        await using var reopened = await OpenAsync(dir);
        Assert.True(reopened.Verified.IsComplete);
    }

    [Fact]
    public async Task A_small_skipped_file_inside_verified_pieces_is_not_created_even_when_all_its_pieces_verified()
    {
        using var dir = new TempDirectory("partfile");
        var (_, data) = Torrent;
        await using var storage = await OpenAsync(dir, false, false, true);
        for (int piece = 0; piece < 4; piece++) await TestTorrents.WriteAndVerifyAsync(storage, data, piece, Ct);
        Assert.True(storage.Verified.IsComplete);
        Assert.False(File.Exists(dir.Combine("album", "c.bin")));
        Assert.False(File.Exists(dir.Combine("album", "c.bin.part")));
        Assert.True(File.Exists(dir.Combine("album", "b.bin")));
    }

    [Fact]
    public async Task A_skipped_file_already_on_disk_keeps_its_share_of_shared_pieces()
    {
        using var dir = new TempDirectory("partfile");
        var (info, data) = Torrent;
        await using var storage = await OpenAsync(dir);
        await TestTorrents.WriteAndVerifyAsync(storage, data, 1, Ct);
        await storage.SetSkippedFilesAsync([false, true, false], Ct);
        Assert.False(storage.IsParked(1));
        await TestTorrents.WriteAndVerifyAsync(storage, data, 3, Ct);
        var whole = new byte[info.PieceSize(3)];
        await storage.ReadAsync(3, 0, whole, Ct);
        Assert.Equal(TestTorrents.Piece(info, data, 3).ToArray(), whole);
        Assert.False(File.Exists(storage.PartFilePath));
    }
}
