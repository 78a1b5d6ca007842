using Microsoft.Extensions.Time.Testing;
using Microsoft.Win32.SafeHandles;
using Shoal.Storage;
using Shoal.Tests.Support;

namespace Shoal.Tests.Storage;

public class WrittenPageDropperTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Each_range_is_advised_when_written_and_again_a_window_of_writes_later()
    {
        using var dir = new TempDirectory("dropper");
        using var handle = File.OpenHandle(dir.Combine("f"), FileMode.Create, FileAccess.ReadWrite);
        var calls = new List<(long Offset, long Length)>();
        var dropper = new WrittenPageDropper((h, offset, length) =>
        {
            Assert.Same(handle, h);
            calls.Add((offset, length));
        });

        for (int i = 0; i < WrittenPageDropper.Window; i++) dropper.Written(handle, i * 100L, 100);
        Assert.Equal(Enumerable.Range(0, WrittenPageDropper.Window).Select(i => (i * 100L, 100L)), calls);

        calls.Clear();
        dropper.Written(handle, 5_000, 50);
        dropper.Written(handle, 6_000, 60);
        // The new range at once, then the oldest one leaving the window (clean by now, so really dropped).
        Assert.Equal([(5_000L, 50L), (0L, 100L), (6_000L, 60L), (100L, 100L)], calls);
    }

    [Fact]
    public void A_handle_closed_since_its_write_is_skipped()
    {
        using var dir = new TempDirectory("dropper");
        var closed = File.OpenHandle(dir.Combine("closed"), FileMode.Create, FileAccess.ReadWrite);
        using var open = File.OpenHandle(dir.Combine("open"), FileMode.Create, FileAccess.ReadWrite);
        var advised = new List<SafeFileHandle>();
        var dropper = new WrittenPageDropper((h, _, _) => advised.Add(h));

        dropper.Written(closed, 0, 10);
        closed.Dispose();
        for (int i = 0; i < WrittenPageDropper.Window; i++) dropper.Written(open, i, 1);

        Assert.Same(closed, advised[0]);
        Assert.Equal(1 + WrittenPageDropper.Window, advised.Count); // no second call for the closed one, and no exception
        Assert.All(advised.Skip(1), h => Assert.Same(open, h));
    }

    [Fact]
    public async Task Storage_dropping_written_pages_keeps_every_byte_across_files_and_handle_evictions()
    {
        using var dir = new TempDirectory("dropper");
        var (info, data) = TestTorrents.Multi();
        var options = new StorageOptions { TimeProvider = new FakeTimeProvider(), DropWrittenPages = true, MaxOpenFiles = 1, ReadCacheBytes = 0 };
        await using var storage = await FileStorage.OpenAsync(info, dir.Path, options, null, Ct);

        for (int piece = info.PieceCount - 1; piece >= 0; piece--) await TestTorrents.WriteAndVerifyAsync(storage, data, piece, Ct);

        Assert.True(storage.Verified.IsComplete);
        for (int piece = 0; piece < info.PieceCount; piece++)
        {
            var buffer = new byte[info.PieceSize(piece)];
            await storage.ReadAsync(piece, 0, buffer, Ct);
            Assert.Equal(TestTorrents.Piece(info, data, piece).ToArray(), buffer);
        }
        string root = dir.Combine("multi");
        Assert.Equal(TestTorrents.FileBytes(info, data, 4), await File.ReadAllBytesAsync(Path.Combine(root, "sub", "deeper", "c.bin"), Ct));
    }
}
