using Microsoft.Extensions.Time.Testing;
using Shoal.Storage;
using Shoal.Tests.Support;

namespace Shoal.Tests.Storage;

/// <summary>
/// A resume record is a hint, not proof: a file changed behind Shoal's back (its mtime put back with `touch -r`) is
/// rechecked, and a piece taken on the record's word is hashed before it is first uploaded.
/// </summary>
[Trait("Category", "Hostile")]
public class HonestResumeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StorageOptions Options() => new() { TimeProvider = new FakeTimeProvider() };

    private static async Task<(Shoal.Metainfo.TorrentInfo Info, byte[] Data)> CompleteDownloadAsync(string directory)
    {
        var (info, data) = TestTorrents.Single("f.bin", 16_384 * 8);
        await using var storage = await FileStorage.OpenAsync(info, directory, Options(), null, Ct);
        for (int piece = 0; piece < info.PieceCount; piece++) await TestTorrents.WriteAndVerifyAsync(storage, data, piece, Ct);
        return (info, data);
    }

    /// <summary>Overwrites 4 KiB inside <paramref name="piece"/> and puts the file's mtime back, as `touch -r` would.</summary>
    private static async Task CorruptKeepingMtimeAsync(string path, int piece, int pieceLength)
    {
        var mtime = File.GetLastWriteTimeUtc(path);
        await using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            stream.Position = (long)piece * pieceLength + 100;
            stream.Write(Enumerable.Repeat((byte)0xAA, 4096).ToArray());
        }
        File.SetLastWriteTimeUtc(path, mtime);
    }

    [Fact]
    public async Task A_file_overwritten_with_its_mtime_put_back_is_rechecked_and_the_damaged_piece_dropped()
    {
        using var dir = new TempDirectory("honest");
        var (info, _) = await CompleteDownloadAsync(dir.Path);
        // File timestamps come from a coarse clock: let it tick, as the seconds between two real runs do.
        await Task.Delay(50, Ct);
        await CorruptKeepingMtimeAsync(dir.Combine("f.bin"), 2, info.PieceLength);

        await using var reopened = await FileStorage.OpenAsync(info, dir.Path, Options(), null, Ct);
        Assert.False(reopened.Verified[2]);
        Assert.Equal(info.PieceCount - 1, reopened.Verified.SetCount);
    }

    [Fact]
    public async Task A_piece_taken_from_the_record_is_hashed_before_its_first_upload_and_dropped_when_bad()
    {
        using var dir = new TempDirectory("honest");
        var (info, data) = await CompleteDownloadAsync(dir.Path);
        await using var seeder = await FileStorage.OpenAsync(info, dir.Path, Options() with { ReadCacheBytes = 0 }, null, Ct);
        Assert.True(seeder.Verified.IsComplete); // on the record's word: nothing was hashed
        // Changed while seeding: no new open, no new record, nothing but the upload path can notice.
        await CorruptKeepingMtimeAsync(dir.Combine("f.bin"), 3, info.PieceLength);

        var good = new byte[16_384];
        await seeder.ReadAsync(2, 0, good, Ct);
        Assert.Equal(TestTorrents.Piece(info, data, 2).ToArray(), good);

        var dropped = new List<int>();
        seeder.PieceInvalidated += dropped.Add;
        var block = new byte[16_384];
        var refused = await Assert.ThrowsAsync<PieceUnavailableException>(async () => await seeder.ReadAsync(3, 0, block, Ct));
        Assert.Equal(3, refused.Piece);
        Assert.False(seeder.Verified[3]);
        Assert.Equal(info.PieceCount - 1, seeder.Verified.SetCount);
        Assert.Equal([3], dropped);
        // Not served again later either, and the file no longer looks complete once it is written to.
        await Assert.ThrowsAsync<PieceUnavailableException>(async () => await seeder.ReadAsync(3, 16_384 - 10, new byte[10], Ct));
        await TestTorrents.WriteAndVerifyAsync(seeder, data, 3, Ct);
        Assert.True(seeder.Verified.IsComplete);
        Assert.Equal(data, await File.ReadAllBytesAsync(dir.Combine("f.bin"), Ct));
    }

    [Fact]
    public async Task Each_piece_taken_from_the_record_is_hashed_once_however_many_blocks_are_read()
    {
        using var dir = new TempDirectory("honest");
        var (info, data) = await CompleteDownloadAsync(dir.Path);
        await using var seeder = await FileStorage.OpenAsync(info, dir.Path, Options(), null, Ct);
        Assert.Equal(info.PieceCount, seeder.ResumedAtOpen);
        Assert.Equal(0, seeder.RecheckedAtOpen);
        Assert.Equal(info.PieceCount, seeder.Counts.Resumed);

        var block = new byte[4096];
        await Task.WhenAll(Enumerable.Range(0, 4).Select(i => seeder.ReadAsync(5, i * 4096, new byte[4096], Ct).AsTask()));
        await seeder.ReadAsync(5, 0, block, Ct);
        Assert.Equal(TestTorrents.Piece(info, data, 5)[..4096].ToArray(), block);
        Assert.Equal(info.PieceCount - 1, seeder.Counts.Resumed);
    }

    [Fact]
    public async Task Recheck_forced_hashes_every_piece_despite_an_intact_record()
    {
        using var dir = new TempDirectory("honest");
        var (info, _) = await CompleteDownloadAsync(dir.Path);
        await using var storage = await FileStorage.OpenAsync(info, dir.Path, Options() with { ForceRecheck = true }, null, Ct);
        Assert.Equal(0, storage.ResumedAtOpen);
        Assert.Equal(info.PieceCount, storage.RecheckedAtOpen);
        Assert.Equal(0, storage.Counts.Resumed);
    }

    [Fact]
    public async Task An_unrelated_file_put_in_place_with_the_same_size_and_mtime_is_rechecked_not_adopted()
    {
        using var dir = new TempDirectory("honest");
        var (info, data) = await CompleteDownloadAsync(dir.Path);
        string path = dir.Combine("f.bin");
        var mtime = File.GetLastWriteTimeUtc(path);
        await Task.Delay(50, Ct); // past the coarse clock of file timestamps, as between two real runs
        // Another file of the same size, the first half of ours and then something else, under the torrent's name.
        var other = data.ToArray();
        Array.Fill(other, (byte)7, other.Length / 2, other.Length / 2);
        File.Delete(path);
        await File.WriteAllBytesAsync(path, other, Ct);
        File.SetLastWriteTimeUtc(path, mtime);

        await using var storage = await FileStorage.OpenAsync(info, dir.Path, Options(), null, Ct);
        Assert.Equal(0, storage.ResumedAtOpen);
        Assert.Equal(Enumerable.Range(0, info.PieceCount / 2), Enumerable.Range(0, info.PieceCount).Where(p => storage.Verified[p]));
    }
}
