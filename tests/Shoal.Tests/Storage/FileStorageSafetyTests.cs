using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using Shoal.Metainfo;
using Shoal.Storage;
using Shoal.Tests.Support;

namespace Shoal.Tests.Storage;

public class FileStorageSafetyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StorageOptions Options() => new() { TimeProvider = new FakeTimeProvider() };

    public static TheoryData<string, string[]> UnsafePaths => new()
    {
        { "t", ["..", "escape.txt"] },
        { "t", ["a", "..", "..", "escape.txt"] },
        { "t", ["/etc", "passwd"] },
        { "t", ["sub/../../escape.txt"] },
        { "..", ["escape.txt"] },
        { "t", ["nul\0byte"] },
        { ".shoal", ["x"] },
    };

    [Theory]
    [MemberData(nameof(UnsafePaths))]
    public async Task Unsafe_paths_are_refused_and_nothing_is_created(string name, string[] path)
    {
        using var outer = new TempDirectory("unsafe");
        string downloads = outer.Combine("downloads");
        var info = TestTorrents.Unchecked(name, ["ok.bin"], path);
        await Assert.ThrowsAsync<InvalidTorrentException>(async () => await FileStorage.OpenAsync(info, downloads, Options(), null, Ct));
        Assert.Empty(Directory.GetFileSystemEntries(outer.Path, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_file_named_like_another_files_partial_download_is_refused()
    {
        using var dir = new TempDirectory("unsafe");
        var (info, _) = TestTorrents.Create("clash", 16_384, true, new TestTorrents.Spec("x", 100), new TestTorrents.Spec("x.part", 100));
        var ex = await Assert.ThrowsAsync<InvalidTorrentException>(async () => await FileStorage.OpenAsync(info, dir.Path, Options(), null, Ct));
        Assert.Contains("x.part", ex.Message);
    }

    [Fact]
    public async Task A_folder_where_the_torrent_has_a_file_is_a_clear_error()
    {
        using var dir = new TempDirectory("unsafe");
        var (info, _) = TestTorrents.Single("thing", 100);
        Directory.CreateDirectory(dir.Combine("thing"));
        var ex = await Assert.ThrowsAsync<IOException>(async () => await FileStorage.OpenAsync(info, dir.Path, Options(), null, Ct));
        Assert.Equal($"{dir.Combine("thing")} is a folder, but the torrent has a file there", ex.Message);
    }

    [Fact]
    public async Task Not_enough_free_space_is_a_clear_error_before_anything_is_written()
    {
        using var dir = new TempDirectory("space");
        var (info, _) = TestTorrents.Multi();
        string? probed = null;
        var options = Options() with { FreeSpaceProbe = d => { probed = d; return 1_000; } };
        var ex = await Assert.ThrowsAsync<DiskFullException>(async () => await FileStorage.OpenAsync(info, dir.Path, options, null, Ct));
        Assert.Equal(dir.Path, probed);
        long needed = info.Files.Where(f => !f.IsPadding).Sum(f => f.Length);
        Assert.Equal(needed, ex.Needed);
        Assert.Equal(1_000, ex.Available);
        Assert.Equal($"not enough disk space in {dir.Path}: need 117.2 KiB ({needed} bytes), 1000 B free", ex.Message);
        Assert.False(File.Exists(Path.Combine(dir.Path, "multi", "a.bin.part")));
    }

    [Fact]
    public async Task The_free_space_check_counts_only_missing_pieces()
    {
        using var dir = new TempDirectory("space");
        var (info, data) = TestTorrents.Single("s.bin", 50_000);
        await File.WriteAllBytesAsync(dir.Combine("s.bin"), data, Ct);
        var options = Options() with { FreeSpaceProbe = _ => 0 };
        await using var storage = await FileStorage.OpenAsync(info, dir.Path, options, null, Ct);
        Assert.True(storage.Verified.IsComplete);
    }

    [Fact]
    public void The_default_free_space_probe_reads_the_file_system()
    {
        using var dir = new TempDirectory("space");
        Assert.True(FileStorage.ProbeFreeSpace(dir.Path) > 0);
    }

    [Fact]
    public void A_write_failing_with_ENOSPC_becomes_a_DiskFullException()
    {
        if (!OperatingSystem.IsLinux()) Assert.Skip("/dev/full is Linux-only");
        using var handle = File.OpenHandle("/dev/full", FileMode.Open, FileAccess.Write);
        var io = Assert.ThrowsAny<IOException>(() => RandomAccess.Write(handle, new byte[10], 0));
        var full = DiskFullException.FromWriteFailure(io, "/data/x.part");
        Assert.NotNull(full);
        Assert.Equal("disk full while writing /data/x.part: no space left on device", full.Message);
        Assert.Null(DiskFullException.FromWriteFailure(new IOException("other"), "/data/x.part"));
    }

    [Fact]
    public async Task On_a_really_full_disk_writes_fail_clearly_and_verified_pieces_survive()
    {
        using var dir = new TempDirectory("tmpfs");
        if (!TryMountTmpfs(dir.Path, "256k")) Assert.Skip("cannot mount a tmpfs here (needs root and mount rights)");
        try
        {
            var (info, data) = TestTorrents.Single("big.bin", 1024 * 1024);
            string target = Path.Combine(dir.Path, "dl");

            var refused = await Assert.ThrowsAsync<DiskFullException>(async () => await FileStorage.OpenAsync(info, target, Options(), null, Ct));
            Assert.StartsWith($"not enough disk space in {target}: need 1 MiB", refused.Message);

            int written = 0;
            await using (var storage = await FileStorage.OpenAsync(info, target, Options() with { CheckFreeSpace = false, UseResumeRecord = false }, null, Ct))
            {
                var full = await Assert.ThrowsAsync<DiskFullException>(async () =>
                {
                    for (; written < info.PieceCount; written++) await TestTorrents.WriteAndVerifyAsync(storage, data, written, Ct);
                });
                Assert.Contains("disk full while writing", full.Message);
                Assert.InRange(written, 1, info.PieceCount - 1);
            }
            Assert.False(File.Exists(Path.Combine(target, "big.bin")));
            Assert.True(File.Exists(Path.Combine(target, "big.bin.part")));

            await using var reopened = await FileStorage.OpenAsync(info, target, Options() with { CheckFreeSpace = false, UseResumeRecord = false }, null, Ct);
            Assert.Equal(Enumerable.Range(0, written), Enumerable.Range(0, info.PieceCount).Where(p => reopened.Verified[p]));
        }
        finally
        {
            Run("umount", dir.Path);
        }
    }

    private static bool TryMountTmpfs(string path, string size) =>
        OperatingSystem.IsLinux() && Environment.UserName == "root" && Run("mount", "-t", "tmpfs", "-o", $"size={size}", "tmpfs", path) == 0;

    private static int Run(string program, params string[] args)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            if (!process.WaitForExit(10_000))
            {
                process.Kill();
                return -1;
            }
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1;
        }
    }
}
