using Microsoft.Extensions.Time.Testing;
using Shoal.Storage;
using Shoal.Tests.Support;

namespace Shoal.Tests.Storage;

public class ReadCacheTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void A_miss_loads_the_run_and_later_blocks_hit()
    {
        var cache = new ReadCache(4 * 64, 64);
        var block = new byte[16];
        Assert.False(cache.TryRead(7, 16, block));
        Assert.True(cache.TryReserve(7, 0, out var reservation));
        Assert.False(cache.TryReserve(7, 0, out _)); // already loading: others read directly
        var run = cache.BufferOf(reservation, 50);
        for (int i = 0; i < 50; i++) run.Span[i] = (byte)i;
        cache.Complete(reservation, 50, 16, block);
        Assert.Equal(Enumerable.Range(16, 16).Select(i => (byte)i), block);

        Assert.True(cache.TryRead(7, 32, block));
        Assert.Equal(Enumerable.Range(32, 16).Select(i => (byte)i), block);
        Assert.False(cache.TryRead(7, 40, block)); // past the run's 50 bytes
        Assert.Equal(1, cache.Hits);

        cache.Invalidate(7);
        Assert.False(cache.TryRead(7, 32, block));
    }

    [Fact]
    public void The_least_recently_used_run_is_replaced()
    {
        var cache = new ReadCache(2 * 64, 64);
        var block = new byte[8];
        Load(cache, 1);
        Load(cache, 2);
        Assert.True(cache.TryRead(1, 0, block)); // piece 1 is now the most recent
        Load(cache, 3);
        Assert.True(cache.TryRead(1, 0, block));
        Assert.False(cache.TryRead(2, 0, block));
        Assert.True(cache.TryRead(3, 0, block));
    }

    [Fact]
    public void A_run_invalidated_while_loading_is_not_kept()
    {
        var cache = new ReadCache(2 * 64, 64);
        Assert.True(cache.TryReserve(4, 0, out var reservation));
        cache.Invalidate(4);
        cache.Complete(reservation, 64, 0, new byte[8]);
        Assert.False(cache.TryRead(4, 0, new byte[8]));
    }

    [Fact]
    public async Task FileStorage_serves_blocks_through_the_cache_with_correct_bytes()
    {
        using var dir = new TempDirectory("cache");
        var (info, data) = TestTorrents.Multi();
        var options = new StorageOptions { TimeProvider = new FakeTimeProvider(), ReadCacheBytes = 64 * 1024, ReadAheadBytes = 32 * 1024 };
        await using var storage = await FileStorage.OpenAsync(info, dir.Path, options, null, Ct);
        for (int piece = 0; piece < info.PieceCount; piece++) await TestTorrents.WriteAndVerifyAsync(storage, data, piece, Ct);

        var random = new Random(5);
        var block = new byte[4096];
        for (int i = 0; i < 500; i++)
        {
            int piece = random.Next(info.PieceCount);
            int offset = random.Next(info.PieceSize(piece) - 1);
            var destination = block.AsMemory(0, Math.Min(block.Length, info.PieceSize(piece) - offset));
            await storage.ReadAsync(piece, offset, destination, Ct);
            Assert.Equal(data.AsSpan(piece * info.PieceLength + offset, destination.Length).ToArray(), destination.ToArray());
        }
    }

    private static void Load(ReadCache cache, int piece)
    {
        Assert.True(cache.TryReserve(piece, 0, out var reservation));
        cache.Complete(reservation, 64, 0, new byte[8]);
    }
}
