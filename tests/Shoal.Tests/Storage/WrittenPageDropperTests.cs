using Microsoft.Extensions.Time.Testing;
using Microsoft.Win32.SafeHandles;
using Shoal.Storage;
using Shoal.Tests.Support;

namespace Shoal.Tests.Storage;

public class WrittenPageDropperTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void A_full_batch_is_written_back_merged_and_dropped_one_batch_later()
    {
        using var dir = new TempDirectory("dropper");
        using var handle = File.OpenHandle(dir.Combine("f"), FileMode.Create, FileAccess.ReadWrite);
        var calls = new List<(WrittenPageDropper.Step Step, long Offset, long Length)>();
        var dropper = new WrittenPageDropper((step, h, offset, length) =>
        {
            Assert.Same(handle, h);
            calls.Add((step, offset, length));
        });

        // Pieces arriving out of order still make one span.
        for (int i = WrittenPageDropper.Window - 1; i > 0; i--) dropper.Written(handle, i * 100L, 100);
        Assert.Empty(calls); // nothing until the batch is full
        dropper.Written(handle, 0, 100);
        Assert.Equal([(WrittenPageDropper.Step.WriteBack, 0L, WrittenPageDropper.Window * 100L)], calls);

        calls.Clear();
        for (int i = 0; i < WrittenPageDropper.Window; i++) dropper.Written(handle, 1_000_000 + i * 100L, 100);
        // The new batch's writeback is started, and the previous batch (clean by now) is dropped.
        Assert.Equal([
            (WrittenPageDropper.Step.WriteBack, 1_000_000L, WrittenPageDropper.Window * 100L),
            (WrittenPageDropper.Step.Drop, 0L, WrittenPageDropper.Window * 100L)], calls);
    }

    [Fact]
    public void A_batch_becomes_one_span_per_file_from_its_lowest_to_its_highest_written_byte()
    {
        using var dir = new TempDirectory("dropper");
        using var a = File.OpenHandle(dir.Combine("a"), FileMode.Create, FileAccess.ReadWrite);
        using var b = File.OpenHandle(dir.Combine("b"), FileMode.Create, FileAccess.ReadWrite);
        var batch = new WrittenPageDropper.WrittenRange[WrittenPageDropper.Window];
        var ranges = new (SafeFileHandle Handle, long Offset, long Length)[]
        {
            (a, 200, 100), (b, 0, 100), (a, 0, 100), (a, 100, 100), (b, 100, 50), (a, 1_000, 10), (a, 250, 100),
        };
        for (int i = 0; i < batch.Length; i++)
        {
            var (h, o, l) = ranges[i % ranges.Length];
            batch[i] = new(h, o, l);
        }

        int kept = WrittenPageDropper.Merge(batch);

        var merged = batch.Take(kept).Select(r => (ReferenceEquals(r.Handle, a) ? "a" : "b", r.Offset, r.Length)).OrderBy(r => r.Item1).ToArray();
        Assert.Equal([("a", 0L, 1_010L), ("b", 0L, 150L)], merged);
        Assert.All(batch.Skip(kept), r => Assert.Null(r.Handle));
    }

    [Fact]
    public void A_handle_closed_since_its_write_is_skipped()
    {
        using var dir = new TempDirectory("dropper");
        var closed = File.OpenHandle(dir.Combine("closed"), FileMode.Create, FileAccess.ReadWrite);
        using var open = File.OpenHandle(dir.Combine("open"), FileMode.Create, FileAccess.ReadWrite);
        var advised = new List<(WrittenPageDropper.Step, SafeFileHandle)>();
        var dropper = new WrittenPageDropper((step, h, _, _) => advised.Add((step, h)));

        dropper.Written(closed, 0, 10);
        closed.Dispose();
        for (int i = 1; i < 2 * WrittenPageDropper.Window; i++) dropper.Written(open, i * 10L, 10);

        // No call for the closed handle, and no exception: the open file's two batches, each written back, the first dropped.
        Assert.Equal([(WrittenPageDropper.Step.WriteBack, open), (WrittenPageDropper.Step.WriteBack, open), (WrittenPageDropper.Step.Drop, open)], advised);
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
