using Microsoft.Extensions.Time.Testing;
using Shoal.Storage;
using Shoal.Tests.Support;

namespace Shoal.Tests.Storage;

public class FileStorageResumeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StorageOptions Options(FakeTimeProvider? time = null) => new() { TimeProvider = time ?? new FakeTimeProvider() };

    private static async Task<(FileStorage Storage, List<RecheckProgress> Reports)> OpenAsync(Shoal.Metainfo.TorrentInfo info, string dir, StorageOptions? options = null)
    {
        var progress = new RecordingProgress<RecheckProgress>();
        var storage = await FileStorage.OpenAsync(info, dir, options ?? Options(), progress, Ct);
        return (storage, progress.Items);
    }

    private static async Task DownloadAsync(FileStorage storage, byte[] data, IEnumerable<int> pieces)
    {
        foreach (int piece in pieces) await TestTorrents.WriteAndVerifyAsync(storage, data, piece, Ct);
    }

    [Fact]
    public async Task An_unchanged_download_reopens_from_the_resume_record_without_hashing()
    {
        using var dir = new TempDirectory("resume");
        var (info, data) = TestTorrents.Multi();
        var (first, _) = await OpenAsync(info, dir.Path);
        await DownloadAsync(first, data, [0, 2, 5, 7]);
        await first.DisposeAsync();

        var (second, reports) = await OpenAsync(info, dir.Path);
        await using (second)
        {
            Assert.Equal(0, reports[^1].ToCheck);
            Assert.Equal(4, reports[^1].Valid);
            Assert.Equal([0, 2, 5, 7], Enumerable.Range(0, info.PieceCount).Where(p => second.Verified[p]));
            // Resume and finish: the files end up complete and correct.
            await DownloadAsync(second, data, [1, 3, 4, 6, 8]);
            Assert.Equal(TestTorrents.FileBytes(info, data, 4), await File.ReadAllBytesAsync(second.FinalPath(4)!, Ct));
        }
    }

    [Fact]
    public async Task A_file_modified_since_the_record_is_rechecked_and_its_damaged_piece_dropped()
    {
        using var dir = new TempDirectory("resume");
        var (info, data) = TestTorrents.Single("big.bin", 100_000);
        var (first, _) = await OpenAsync(info, dir.Path);
        await DownloadAsync(first, data, [0, 1, 2, 3]);
        await first.DisposeAsync();

        string part = dir.Combine("big.bin.part");
        var mtime = File.GetLastWriteTimeUtc(part);
        await using (var stream = new FileStream(part, FileMode.Open, FileAccess.Write))
        {
            stream.Position = 16_384 + 10; // inside piece 1
            stream.WriteByte((byte)(data[16_384 + 10] ^ 0xFF));
        }
        File.SetLastWriteTimeUtc(part, mtime.AddSeconds(2)); // coarse clocks: make the change unmistakable

        var (second, reports) = await OpenAsync(info, dir.Path);
        await using (second)
        {
            Assert.Equal(info.PieceCount, reports[^1].ToCheck); // the whole (only) file was rechecked
            Assert.Equal([0, 2, 3], Enumerable.Range(0, info.PieceCount).Where(p => second.Verified[p]));
        }
    }

    [Fact]
    public async Task A_truncated_file_loses_only_the_pieces_past_its_new_end()
    {
        using var dir = new TempDirectory("resume");
        var (info, data) = TestTorrents.Multi();
        var (first, _) = await OpenAsync(info, dir.Path);
        await DownloadAsync(first, data, Enumerable.Range(0, info.PieceCount));
        await first.DisposeAsync();

        // c.bin (file 4) starts at piece 4; cut it after 20,000 bytes (inside piece 5).
        string c = Path.Combine(dir.Path, "multi", "sub", "deeper", "c.bin");
        await using (var stream = new FileStream(c, FileMode.Open, FileAccess.Write)) stream.SetLength(20_000);

        var (second, reports) = await OpenAsync(info, dir.Path);
        await using (second)
        {
            Assert.Equal(5, reports[^1].ToCheck); // only the pieces of c.bin
            Assert.Equal([0, 1, 2, 3, 4], Enumerable.Range(0, info.PieceCount).Where(p => second.Verified[p]));
            // c.bin is incomplete again: while it is written it must not look complete.
            await TestTorrents.WriteAndVerifyAsync(second, data, 5, Ct);
            Assert.False(File.Exists(c));
            Assert.True(File.Exists(c + ".part"));
            await DownloadAsync(second, data, [6, 7, 8]);
            Assert.Equal(TestTorrents.FileBytes(info, data, 4), await File.ReadAllBytesAsync(c, Ct));
        }
    }

    [Fact]
    public async Task A_corrupted_resume_record_is_ignored_and_everything_rechecked()
    {
        using var dir = new TempDirectory("resume");
        var (info, data) = TestTorrents.Single("c.bin", 100_000);
        var (first, _) = await OpenAsync(info, dir.Path);
        await DownloadAsync(first, data, [1, 2]);
        string record = first.ResumeRecordPath!;
        await first.DisposeAsync();

        var bytes = await File.ReadAllBytesAsync(record, Ct);
        bytes[bytes.Length / 2] ^= 0x01;
        await File.WriteAllBytesAsync(record, bytes, Ct);

        var (second, reports) = await OpenAsync(info, dir.Path);
        await using (second)
        {
            Assert.Equal(info.PieceCount, reports[^1].ToCheck);
            Assert.Equal([1, 2], Enumerable.Range(0, info.PieceCount).Where(p => second.Verified[p]));
        }
        // ...and a fresh, intact record replaced it.
        Assert.NotEqual(bytes, await File.ReadAllBytesAsync(record, Ct));
    }

    [Fact]
    public async Task After_a_crash_the_pieces_written_since_the_last_record_are_found_by_the_recheck()
    {
        using var dir = new TempDirectory("resume");
        var (info, data) = TestTorrents.Single("crash.bin", 100_000);
        var time = new FakeTimeProvider();
        var (crashed, _) = await OpenAsync(info, dir.Path, Options(time));
        await DownloadAsync(crashed, data, [0, 1]);
        time.Advance(TimeSpan.FromSeconds(5)); // periodic save: the record holds pieces 0 and 1
        await DownloadAsync(crashed, data, [4, 5]); // never recorded: the process "dies" here
        File.SetLastWriteTimeUtc(dir.Combine("crash.bin.part"), DateTime.UtcNow.AddSeconds(3));

        var (restarted, reports) = await OpenAsync(info, dir.Path);
        await using (restarted)
        {
            Assert.True(reports[^1].ToCheck > 0);
            Assert.Equal([0, 1, 4, 5], Enumerable.Range(0, info.PieceCount).Where(p => restarted.Verified[p]));
        }
        await crashed.DisposeAsync();
    }

    [Fact]
    public async Task The_record_is_saved_periodically_and_at_once_on_completion()
    {
        using var dir = new TempDirectory("resume");
        var (info, data) = TestTorrents.Single("p.bin", 50_000);
        var time = new FakeTimeProvider();
        var (storage, _) = await OpenAsync(info, dir.Path, Options(time));
        await using (storage)
        {
            string path = storage.ResumeRecordPath!;
            Assert.Equal(Path.Combine(dir.Path, ".shoal", info.InfoHash.ToHex() + ".resume"), path);
            await DownloadAsync(storage, data, [0]);
            Assert.False(LoadRecord(path, info)!.Verified[0]);
            time.Advance(TimeSpan.FromSeconds(4));
            Assert.False(LoadRecord(path, info)!.Verified[0]);
            time.Advance(TimeSpan.FromSeconds(1));
            Assert.True(LoadRecord(path, info)!.Verified[0]);

            await DownloadAsync(storage, data, [1, 2, 3]);
            Assert.True(LoadRecord(path, info)!.Verified.IsComplete);
        }
    }

    [Fact]
    public async Task An_unchanged_torrent_arms_no_save_timer_and_a_change_arms_one_save()
    {
        using var dir = new TempDirectory("resume");
        var (info, data) = TestTorrents.Single("idle.bin", 50_000);
        var time = new Shoal.Tests.Support.Dht.SimulatedTime();
        var (storage, _) = await OpenAsync(info, dir.Path, new StorageOptions { TimeProvider = time });
        await using (storage)
        {
            time.Advance(TimeSpan.FromMinutes(1)); // whatever opening scheduled has run
            long before = time.EventsRun;
            time.Advance(TimeSpan.FromHours(1));
            Assert.Equal(before, time.EventsRun); // a torrent with nothing new to record wakes nothing up

            await DownloadAsync(storage, data, [0]);
            time.Advance(TimeSpan.FromMinutes(1));
            Assert.Equal(before + 1, time.EventsRun); // one save, then quiet again
            Assert.True(LoadRecord(storage.ResumeRecordPath!, info)!.Verified[0]);
        }
    }

    [Fact]
    public async Task Existing_final_files_are_rechecked_and_a_corrupt_piece_is_fetched_again_as_part()
    {
        using var dir = new TempDirectory("seed");
        var (info, data) = TestTorrents.Multi();
        string root = Path.Combine(dir.Path, "multi");
        for (int f = 0; f < info.Files.Count; f++)
        {
            if (info.Files[f].IsPadding) continue;
            string path = Path.Combine(root, info.Files[f].Path);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllBytesAsync(path, TestTorrents.FileBytes(info, data, f), Ct);
        }
        string a = Path.Combine(root, "a.bin");
        var bad = await File.ReadAllBytesAsync(a, Ct);
        bad[20_000] ^= 0x55; // piece 1
        await File.WriteAllBytesAsync(a, bad, Ct);

        var (storage, reports) = await OpenAsync(info, dir.Path);
        await using (storage)
        {
            Assert.Equal(info.PieceCount, reports[^1].ToCheck);
            Assert.Equal(info.PieceCount - 1, reports[^1].Valid);
            Assert.False(storage.Verified[1]);
            Assert.True(File.Exists(a)); // left alone until we write into it

            await storage.WritePieceAsync(1, TestTorrents.Piece(info, data, 1), Ct);
            Assert.False(File.Exists(a));
            Assert.True(File.Exists(a + ".part"));
            await storage.MarkVerifiedAsync(1, Ct);
            Assert.Equal(TestTorrents.FileBytes(info, data, 0), await File.ReadAllBytesAsync(a, Ct));
        }
    }

    [Fact]
    public async Task A_complete_file_found_longer_than_the_torrent_says_is_cut_to_length()
    {
        using var dir = new TempDirectory("seed");
        var (info, data) = TestTorrents.Single("long.bin", 30_000);
        await File.WriteAllBytesAsync(dir.Combine("long.bin"), [.. data, 1, 2, 3], Ct);
        var (storage, _) = await OpenAsync(info, dir.Path, Options() with { UseResumeRecord = false });
        await using (storage)
        {
            Assert.True(storage.Verified.IsComplete);
            Assert.Null(storage.ResumeRecordPath);
            Assert.False(Directory.Exists(dir.Combine(".shoal")));
        }
        Assert.Equal(data, await File.ReadAllBytesAsync(dir.Combine("long.bin"), Ct));
    }

    [Fact]
    public async Task A_part_file_whose_pieces_all_verify_gets_its_final_name_on_open()
    {
        using var dir = new TempDirectory("resume");
        var (info, data) = TestTorrents.Single("done.bin", 30_000);
        await File.WriteAllBytesAsync(dir.Combine("done.bin.part"), data, Ct);
        var (storage, _) = await OpenAsync(info, dir.Path);
        await using (storage) Assert.True(storage.Verified.IsComplete);
        Assert.False(File.Exists(dir.Combine("done.bin.part")));
        Assert.Equal(data, await File.ReadAllBytesAsync(dir.Combine("done.bin"), Ct));
    }

    private static ResumeRecord? LoadRecord(string path, Shoal.Metainfo.TorrentInfo info) =>
        ResumeRecordStore.TryLoad(ConfinedFolder.For(Path.GetDirectoryName(path)!), [Path.GetFileName(path)], info);

    private sealed class RecordingProgress<T> : IProgress<T>
    {
        public List<T> Items { get; } = [];

        public void Report(T value)
        {
            lock (Items) Items.Add(value);
        }
    }
}
