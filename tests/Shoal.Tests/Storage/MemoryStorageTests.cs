using Shoal.Storage;

namespace Shoal.Tests.Storage;

public class MemoryStorageTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Round_trips_pieces_and_tracks_verification()
    {
        var (info, data) = TestTorrents.Multi();
        await using var storage = new MemoryStorage(info);
        await TestTorrents.WriteAndVerifyAsync(storage, data, 3, Ct);
        Assert.True(storage.Verified[3]);
        Assert.Equal(1, storage.Verified.SetCount);
        var block = new byte[1000];
        await storage.ReadAsync(3, 500, block, Ct);
        Assert.Equal(data.AsSpan(3 * info.PieceLength + 500, 1000).ToArray(), block);
        await Assert.ThrowsAsync<ArgumentException>(async () => await storage.WritePieceAsync(0, new byte[10], Ct));
    }

    [Fact]
    public async Task CreateSeeded_checks_every_piece()
    {
        var (info, data) = TestTorrents.Multi();
        await using var seeded = MemoryStorage.CreateSeeded(info, data);
        Assert.True(seeded.Verified.IsComplete);
        var last = new byte[info.PieceSize(info.PieceCount - 1)];
        await seeded.ReadAsync(info.PieceCount - 1, 0, last, Ct);
        Assert.Equal(TestTorrents.Piece(info, data, info.PieceCount - 1).ToArray(), last);

        data[5] ^= 1;
        Assert.Throws<ArgumentException>(() => MemoryStorage.CreateSeeded(info, data));
    }
}
