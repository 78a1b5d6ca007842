using Microsoft.Extensions.Time.Testing;
using Shoal.Storage;
using Shoal.Tests.Support;

namespace Shoal.Tests.Storage;

/// <summary>
/// Symbolic links planted in a download folder (by another local user, a shared folder, an earlier hostile torrent):
/// Shoal never reads or writes through one that leads out of the folder, and never gives one a torrent's name.
/// </summary>
[Trait("Category", "Hostile")]
public class FileStorageLinkTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StorageOptions Options() => new() { TimeProvider = new FakeTimeProvider() };

    private static void SkipWithoutLinks()
    {
        if (OperatingSystem.IsWindows()) Assert.Skip("symbolic links need privileges on Windows");
    }

    private static async Task DownloadAllAsync(IPieceStorage storage, byte[] data, int but = 0)
    {
        for (int piece = 0; piece < storage.Info.PieceCount - but; piece++) await TestTorrents.WriteAndVerifyAsync(storage, data, piece, Ct);
    }

    /// <summary>A download folder "out" (not created) beside a file "victim" that an attacker would like overwritten.</summary>
    private sealed class Scene : IDisposable
    {
        public Scene()
        {
            SkipWithoutLinks();
            File.WriteAllText(Victim, "precious");
        }

        public TempDirectory Dir { get; } = new("links");

        public string Victim => Dir.Combine("victim");

        public string Output => Dir.Combine("out");

        public string Out(params string[] parts) => Path.Combine([Output, .. parts]);

        public void AssertVictimUntouched() => Assert.Equal("precious", File.ReadAllText(Victim));

        public void Dispose() => Dir.Dispose();
    }

    [Theory]
    [InlineData("f.bin.part")]
    [InlineData("f.bin")]
    public async Task A_link_planted_at_a_files_name_is_an_error_naming_it_and_its_target_is_untouched(string planted)
    {
        using var scene = new Scene();
        Directory.CreateDirectory(scene.Output);
        File.CreateSymbolicLink(scene.Out(planted), scene.Victim);
        var (info, data) = TestTorrents.Single("f.bin", 50_000);

        var error = await Assert.ThrowsAnyAsync<IOException>(async () =>
        {
            await using var storage = await FileStorage.OpenAsync(info, scene.Output, Options(), null, Ct);
            await DownloadAllAsync(storage, data);
        });
        Assert.Contains($"{scene.Out(planted)} is a symbolic link", error.Message);
        scene.AssertVictimUntouched();
        var final = new FileInfo(scene.Out("f.bin"));
        if (planted == "f.bin") Assert.Equal(scene.Victim, final.LinkTarget); // left as it was: not replaced, not followed
        else Assert.False(final.Exists || final.LinkTarget is not null, "the link was given the torrent's name");
    }

    [Theory]
    [InlineData("multi")]          // the torrent's own folder
    [InlineData("multi/sub")]      // a folder inside it
    [InlineData(".shoal")]         // where resume records go
    public async Task A_folder_link_leading_out_of_the_download_folder_is_refused_and_nothing_is_written_there(string linkAt)
    {
        using var scene = new Scene();
        string outside = scene.Dir.Combine("outside");
        Directory.CreateDirectory(outside);
        string link = scene.Out(linkAt.Split('/'));
        Directory.CreateDirectory(Path.GetDirectoryName(link)!);
        Directory.CreateSymbolicLink(link, outside);
        var (info, data) = TestTorrents.Multi();

        var error = await Assert.ThrowsAnyAsync<IOException>(async () =>
        {
            await using var storage = await FileStorage.OpenAsync(info, scene.Output, Options(), null, Ct);
            await DownloadAllAsync(storage, data);
        });
        Assert.Contains($"{link} is a symbolic link to {outside}, which leads out of the download folder", error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(outside));
    }

    [Fact]
    public async Task A_folder_link_that_stays_inside_the_download_folder_is_followed()
    {
        SkipWithoutLinks();
        using var dir = new TempDirectory("links");
        string output = dir.Combine("out");
        Directory.CreateDirectory(Path.Combine(output, "elsewhere", "real-sub"));
        Directory.CreateDirectory(Path.Combine(output, "multi"));
        Directory.CreateSymbolicLink(Path.Combine(output, "multi", "sub"), "../elsewhere/real-sub");
        var (info, data) = TestTorrents.Multi();

        await using (var storage = await FileStorage.OpenAsync(info, output, Options(), null, Ct))
        {
            await DownloadAllAsync(storage, data);
            Assert.True(storage.Verified.IsComplete);
        }
        Assert.Equal(TestTorrents.FileBytes(info, data, 2), await File.ReadAllBytesAsync(Path.Combine(output, "elsewhere", "real-sub", "b.bin"), Ct));
    }

    [Fact]
    public async Task A_part_file_swapped_for_a_link_before_completion_never_gets_the_final_name()
    {
        using var scene = new Scene();
        var (info, data) = TestTorrents.Single("f.bin", 50_000);
        await using var storage = await FileStorage.OpenAsync(info, scene.Output, Options(), null, Ct);
        await DownloadAllAsync(storage, data, but: 1);
        // The attacker moves our file away and puts a link in its place, then waits for the last piece.
        File.Move(scene.Out("f.bin.part"), scene.Dir.Combine("moved-away"));
        File.CreateSymbolicLink(scene.Out("f.bin.part"), scene.Victim);

        await Assert.ThrowsAnyAsync<IOException>(async () => await TestTorrents.WriteAndVerifyAsync(storage, data, info.PieceCount - 1, Ct));
        scene.AssertVictimUntouched();
        var final = new FileInfo(scene.Out("f.bin"));
        Assert.False(final.Exists || final.LinkTarget is not null, "the link was given the torrent's name");
    }

    [Fact]
    public async Task A_link_planted_at_the_final_name_while_downloading_is_never_replaced_or_followed()
    {
        using var scene = new Scene();
        var (info, data) = TestTorrents.Single("f.bin", 50_000);
        await using var storage = await FileStorage.OpenAsync(info, scene.Output, Options(), null, Ct);
        await DownloadAllAsync(storage, data, but: 1);
        File.CreateSymbolicLink(scene.Out("f.bin"), scene.Victim);

        var error = await Assert.ThrowsAnyAsync<IOException>(async () => await TestTorrents.WriteAndVerifyAsync(storage, data, info.PieceCount - 1, Ct));
        Assert.Contains($"{scene.Out("f.bin")} is a symbolic link", error.Message);
        scene.AssertVictimUntouched();
        Assert.Equal(scene.Victim, new FileInfo(scene.Out("f.bin")).LinkTarget);
    }

    [Fact]
    public async Task A_link_swapped_in_while_the_file_was_closed_is_not_opened_again()
    {
        using var scene = new Scene();
        var (info, data) = TestTorrents.Create("two", 16_384, true, new TestTorrents.Spec("a.bin", 40_000), new TestTorrents.Spec("b.bin", 40_000));
        string aPart = scene.Out("two", "a.bin.part");

        // One open file at a time: writing b.bin closes a.bin, so a.bin is opened again by name afterwards.
        await using var storage = await FileStorage.OpenAsync(info, scene.Output, Options() with { MaxOpenFiles = 1 }, null, Ct);
        await TestTorrents.WriteAndVerifyAsync(storage, data, 0, Ct);
        await TestTorrents.WriteAndVerifyAsync(storage, data, 4, Ct);
        File.Delete(aPart);
        File.CreateSymbolicLink(aPart, scene.Victim);

        var error = await Assert.ThrowsAnyAsync<IOException>(async () => await TestTorrents.WriteAndVerifyAsync(storage, data, 1, Ct));
        Assert.Contains($"{aPart} is a symbolic link", error.Message);
        scene.AssertVictimUntouched();
    }

    [Fact]
    public async Task A_resume_record_that_is_a_link_is_refused()
    {
        SkipWithoutLinks();
        using var dir = new TempDirectory("links");
        string output = dir.Combine("out");
        var (info, data) = TestTorrents.Single("f.bin", 50_000);
        string record;
        await using (var first = await FileStorage.OpenAsync(info, output, Options(), null, Ct))
        {
            await DownloadAllAsync(first, data);
            record = first.ResumeRecordPath!;
        }
        string elsewhere = dir.Combine("record-elsewhere");
        File.Move(record, elsewhere);
        File.CreateSymbolicLink(record, elsewhere);
        var before = await File.ReadAllBytesAsync(elsewhere, Ct);

        var error = await Assert.ThrowsAnyAsync<IOException>(async () =>
        {
            await using var storage = await FileStorage.OpenAsync(info, output, Options(), null, Ct);
        });
        Assert.Contains($"{record} is a symbolic link", error.Message);
        Assert.Equal(before, await File.ReadAllBytesAsync(elsewhere, Ct));
    }

    [Fact]
    public async Task A_pipe_planted_at_a_files_name_is_an_error_not_a_hang()
    {
        if (!OperatingSystem.IsLinux()) Assert.Skip("mkfifo is tested on Linux");
        using var dir = new TempDirectory("links");
        string output = dir.Combine("out");
        Directory.CreateDirectory(output);
        var made = ProcessRunner.Run("mkfifo", [Path.Combine(output, "f.bin.part")], TimeSpan.FromSeconds(10));
        Assert.Equal(0, made.ExitCode);
        var (info, data) = TestTorrents.Single("f.bin", 50_000);

        var open = Task.Run(async () =>
        {
            await using var storage = await FileStorage.OpenAsync(info, output, Options(), null, Ct);
            await DownloadAllAsync(storage, data);
        }, Ct);
        var error = await Assert.ThrowsAnyAsync<IOException>(() => open.WaitAsync(TimeSpan.FromSeconds(20), Ct));
        Assert.Contains($"{Path.Combine(output, "f.bin.part")} is not a regular file", error.Message);
    }

    [Fact]
    public async Task Seeding_the_users_own_content_follows_its_links_wherever_they_lead()
    {
        SkipWithoutLinks();
        using var dir = new TempDirectory("links");
        var (info, data) = TestTorrents.Multi();
        // The content as `shoal seed` finds it: a folder whose files and subfolders are links to elsewhere.
        string elsewhere = dir.Combine("elsewhere");
        for (int f = 0; f < info.Files.Count; f++)
        {
            if (info.Files[f].IsPadding) continue;
            string path = Path.Combine(elsewhere, info.Files[f].Path);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllBytesAsync(path, TestTorrents.FileBytes(info, data, f), Ct);
        }
        string seeded = dir.Combine("shared");
        Directory.CreateDirectory(Path.Combine(seeded, "multi"));
        File.CreateSymbolicLink(Path.Combine(seeded, "multi", "a.bin"), Path.Combine(elsewhere, "a.bin"));
        File.CreateSymbolicLink(Path.Combine(seeded, "multi", "empty.txt"), Path.Combine(elsewhere, "empty.txt"));
        Directory.CreateSymbolicLink(Path.Combine(seeded, "multi", "sub"), Path.Combine(elsewhere, "sub"));

        await Assert.ThrowsAsync<SymbolicLinkException>(async () => await FileStorage.OpenAsync(info, seeded, Options(), null, Ct));
        await using var storage = await FileStorage.OpenAsync(info, seeded, Options() with { FollowLinks = true }, null, Ct);
        Assert.True(storage.Verified.IsComplete);
        var block = new byte[1000];
        await storage.ReadAsync(5, 0, block, Ct);
        Assert.Equal(TestTorrents.Piece(info, data, 5)[..1000].ToArray(), block);
        Assert.NotNull(new FileInfo(Path.Combine(seeded, "multi", "a.bin")).LinkTarget);
    }
}
