using Microsoft.Extensions.Time.Testing;
using Shoal.Metainfo;
using Shoal.Storage;
using Shoal.Tests.Support;

namespace Shoal.Tests.Storage;

public class FileStorageTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StorageOptions Options(FakeTimeProvider? time = null) => new() { TimeProvider = time ?? new FakeTimeProvider() };

    [Fact]
    public async Task Single_file_round_trip_is_partial_until_the_last_piece_verifies()
    {
        using var dir = new TempDirectory("storage");
        var (info, data) = TestTorrents.Single("movie.bin", 100_000);
        string final = dir.Combine("movie.bin");
        await using var storage = await FileStorage.OpenAsync(info, dir.Path, Options(), null, Ct);
        Assert.Equal(7, info.PieceCount);

        for (int piece = info.PieceCount - 1; piece >= 1; piece--) await TestTorrents.WriteAndVerifyAsync(storage, data, piece, Ct);
        Assert.False(File.Exists(final));
        Assert.True(File.Exists(final + ".part"));
        Assert.Equal(info.TotalLength, new FileInfo(final + ".part").Length); // preallocated

        await TestTorrents.WriteAndVerifyAsync(storage, data, 0, Ct);
        Assert.True(storage.Verified.IsComplete);
        Assert.False(File.Exists(final + ".part"));
        Assert.Equal(data, await File.ReadAllBytesAsync(final, Ct));

        var block = new byte[16 * 1024];
        await storage.ReadAsync(3, 0, block, Ct);
        Assert.Equal(TestTorrents.Piece(info, data, 3).ToArray(), block);
        var tail = new byte[info.PieceSize(6)];
        await storage.ReadAsync(6, 0, tail, Ct);
        Assert.Equal(TestTorrents.Piece(info, data, 6).ToArray(), tail);
    }

    [Fact]
    public async Task Multi_file_round_trip_never_creates_padding_and_renames_each_file_when_it_completes()
    {
        using var dir = new TempDirectory("storage");
        var (info, data) = TestTorrents.Multi();
        await using var storage = await FileStorage.OpenAsync(info, dir.Path, Options(), null, Ct);
        string root = dir.Combine("multi");

        // The zero-length file is complete from the start.
        Assert.True(File.Exists(Path.Combine(root, "empty.txt")));
        // Pieces 0..3 hold a.bin, sub/b.bin and the padding; c.bin starts at piece 4.
        for (int piece = 0; piece < 4; piece++) await TestTorrents.WriteAndVerifyAsync(storage, data, piece, Ct);
        Assert.Equal(TestTorrents.FileBytes(info, data, 0), await File.ReadAllBytesAsync(Path.Combine(root, "a.bin"), Ct));
        Assert.Equal(TestTorrents.FileBytes(info, data, 2), await File.ReadAllBytesAsync(Path.Combine(root, "sub", "b.bin"), Ct));
        Assert.False(File.Exists(Path.Combine(root, "sub", "deeper", "c.bin")));

        for (int piece = 4; piece < info.PieceCount - 1; piece++) await TestTorrents.WriteAndVerifyAsync(storage, data, piece, Ct);
        Assert.True(File.Exists(Path.Combine(root, "sub", "deeper", "c.bin.part")));
        await TestTorrents.WriteAndVerifyAsync(storage, data, info.PieceCount - 1, Ct);

        Assert.Equal(TestTorrents.FileBytes(info, data, 4), await File.ReadAllBytesAsync(Path.Combine(root, "sub", "deeper", "c.bin"), Ct));
        Assert.False(Directory.Exists(Path.Combine(root, ".pad")));
        var onDisk = Directory.GetFiles(root, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(root, p).Replace('\\', '/')).Order();
        Assert.Equal(["a.bin", "empty.txt", "sub/b.bin", "sub/deeper/c.bin"], onDisk);

        // Reads across the padding give zeros there, the data elsewhere.
        for (int piece = 0; piece < info.PieceCount; piece++)
        {
            var buffer = new byte[info.PieceSize(piece)];
            await storage.ReadAsync(piece, 0, buffer, Ct);
            Assert.Equal(TestTorrents.Piece(info, data, piece).ToArray(), buffer);
        }
    }

    [Fact]
    public async Task Writing_a_piece_of_the_wrong_size_or_index_is_refused()
    {
        using var dir = new TempDirectory("storage");
        var (info, data) = TestTorrents.Single("x", 40_000);
        await using var storage = await FileStorage.OpenAsync(info, dir.Path, Options(), null, Ct);
        await Assert.ThrowsAsync<ArgumentException>(async () => await storage.WritePieceAsync(2, data.AsMemory(0, 16384), Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await storage.WritePieceAsync(3, data.AsMemory(0, 100), Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await storage.ReadAsync(2, 7000, new byte[1000], Ct));
    }

    [Fact]
    public async Task Concurrent_writes_and_reads_of_different_pieces_land_correctly()
    {
        using var dir = new TempDirectory("storage");
        var (info, data) = TestTorrents.Create("many", 16 * 1024, true,
            Enumerable.Range(0, 40).Select(i => new TestTorrents.Spec($"d{i % 3}/f{i}", 3_000 + i * 1_777)).ToArray());
        await using var storage = await FileStorage.OpenAsync(info, dir.Path, Options() with { MaxOpenFiles = 8 }, null, Ct);
        var order = Enumerable.Range(0, info.PieceCount).OrderBy(i => (i * 7919) % 31).ToArray();

        await Parallel.ForEachAsync(order, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Ct }, async (piece, ct) =>
        {
            await TestTorrents.WriteAndVerifyAsync(storage, data, piece, ct);
            // Read back a verified piece in 16 KiB-or-less blocks while others are being written.
            int other = order[(Array.IndexOf(order, piece) + order.Length / 2) % order.Length];
            if (storage.Verified[other])
            {
                var buffer = new byte[Math.Min(5_000, info.PieceSize(other))];
                await storage.ReadAsync(other, 0, buffer, ct);
                Assert.Equal(TestTorrents.Piece(info, data, other)[..buffer.Length].ToArray(), buffer);
            }
        });

        Assert.True(storage.Verified.IsComplete);
        Assert.True(storage.OpenFileCount <= 8 + 8, $"{storage.OpenFileCount} files open");
        for (int f = 0; f < info.Files.Count; f++)
            Assert.Equal(TestTorrents.FileBytes(info, data, f), await File.ReadAllBytesAsync(storage.FinalPath(f)!, Ct));
    }

    [Fact]
    public async Task A_duplicate_write_of_a_verified_piece_changes_nothing()
    {
        using var dir = new TempDirectory("storage");
        var (info, data) = TestTorrents.Single("dup.bin", 20_000);
        await using var storage = await FileStorage.OpenAsync(info, dir.Path, Options(), null, Ct);
        await TestTorrents.WriteAndVerifyAsync(storage, data, 0, Ct);
        await TestTorrents.WriteAndVerifyAsync(storage, data, 1, Ct);
        await storage.WritePieceAsync(0, new byte[info.PieceSize(0)], Ct);
        Assert.True(File.Exists(dir.Combine("dup.bin")));
        Assert.Equal(data, await File.ReadAllBytesAsync(dir.Combine("dup.bin"), Ct));
    }

    [Fact]
    public async Task A_file_deleted_behind_our_back_has_its_pieces_dropped_instead_of_served()
    {
        using var dir = new TempDirectory("storage");
        var (info, data) = TestTorrents.Single("gone.bin", 20_000);
        await using (var storage = await FileStorage.OpenAsync(info, dir.Path, Options(), null, Ct))
        {
            await TestTorrents.WriteAndVerifyAsync(storage, data, 0, Ct);
        }
        var options = Options() with { ReadCacheBytes = 0 };
        await using var reopened = await FileStorage.OpenAsync(info, dir.Path, options, null, Ct);
        var dropped = new List<int>();
        reopened.PieceInvalidated += dropped.Add;
        Assert.True(reopened.Verified[0]);
        File.Delete(dir.Combine("gone.bin.part"));
        var ex = await Assert.ThrowsAsync<PieceUnavailableException>(async () => await reopened.ReadAsync(0, 0, new byte[100], Ct));
        Assert.Equal(0, ex.Piece);
        Assert.False(reopened.Verified[0]);
        Assert.Equal([0], dropped);
    }
}
