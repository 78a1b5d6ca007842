using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Shoal.Daemon.Engine;
using Shoal.Daemon.Torrents;
using Shoal.Tests.Support;

namespace Shoal.Tests.Daemon;

/// <summary>torrent-rename-path: a file or folder renamed in the file list and on disk, kept across restarts, honoured by move and remove.</summary>
public sealed class TorrentRenameTests
{
    private static async Task<JsonElement> RenameAsync(TestDaemon daemon, int id, string path, string name) =>
        await daemon.OkAsync("torrent-rename-path", new { ids = new[] { id }, path, name });

    private static async Task<string[]> FileNamesAsync(TestDaemon daemon, int id) =>
        [.. (await daemon.GetAsync(id, "files")).GetProperty("files").EnumerateArray().Select(f => f.GetProperty("name").GetString()!)];

    [Fact]
    public async Task Renaming_a_file_of_a_seed_renames_it_on_disk_and_it_seeds_and_verifies_under_the_new_name()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var (_, bytes, source) = await daemon.MakeTorrentAsync("album", 70, [40_000, 30_000], complete: true);
        int id = await daemon.AddAsync(bytes);
        await daemon.WaitForStatusAsync(id, 6);

        var answer = await RenameAsync(daemon, id, "album/file1.bin", "song.bin");
        Assert.Equal(id, answer.GetProperty("id").GetInt32());
        Assert.Equal("album/file1.bin", answer.GetProperty("path").GetString());
        Assert.Equal("song.bin", answer.GetProperty("name").GetString());

        Assert.Equal(["album/file0.bin", "album/song.bin"], await FileNamesAsync(daemon, id));
        Assert.False(File.Exists(Path.Combine(daemon.Downloads, "album", "file1.bin")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(source, "file1.bin")), File.ReadAllBytes(Path.Combine(daemon.Downloads, "album", "song.bin")));
        await daemon.WaitForStatusAsync(id, 6);

        await daemon.OkAsync("torrent-verify", new { ids = id });
        await daemon.WaitForStatusAsync(id, 6);
        Assert.Equal(1.0, (await daemon.GetAsync(id, "percentDone")).GetProperty("percentDone").GetDouble());
    }

    [Fact]
    public async Task Renaming_the_top_folder_renames_the_torrent_and_survives_a_restart()
    {
        using var dir = new TempDirectory("daemon-rename");
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 5, 12, 0, 0, TimeSpan.Zero));
        int id;
        await using (var daemon = await TestDaemon.StartAsync(dir, time))
        {
            var (_, bytes, _) = await daemon.MakeTorrentAsync("top", 71, [20_000, 20_000], complete: true);
            id = await daemon.AddAsync(bytes);
            await daemon.WaitForStatusAsync(id, 6);
            await RenameAsync(daemon, id, "top", "Better Name");
            await RenameAsync(daemon, id, "Better Name/file0.bin", "first.bin");
            Assert.Equal("Better Name", (await daemon.GetAsync(id, "name")).GetProperty("name").GetString());
            await daemon.WaitForStatusAsync(id, 6);
        }
        Assert.False(Directory.Exists(dir.Combine("downloads", "top")));
        await using (var daemon = await TestDaemon.StartAsync(dir, time))
        {
            Assert.Equal("Better Name", (await daemon.GetAsync(id, "name")).GetProperty("name").GetString());
            Assert.Equal(["Better Name/first.bin", "Better Name/file1.bin"], await FileNamesAsync(daemon, id));
            await daemon.WaitForStatusAsync(id, 6);
            Assert.Equal(1.0, (await daemon.GetAsync(id, "percentDone")).GetProperty("percentDone").GetDouble());

            // Renamed back, the torrent's own paths are stored again (nothing left over).
            await RenameAsync(daemon, id, "Better Name/first.bin", "file0.bin");
            await RenameAsync(daemon, id, "Better Name", "top");
            Assert.Equal(["top/file0.bin", "top/file1.bin"], await FileNamesAsync(daemon, id));
            Assert.True(File.Exists(dir.Combine("downloads", "top", "file0.bin")));
            await daemon.WaitForStatusAsync(id, 6);
        }
    }

    [Fact]
    public async Task Renaming_a_single_file_torrent_renames_the_torrent_and_move_and_remove_follow_the_new_name()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var (_, bytes, _) = await daemon.MakeTorrentAsync("one.bin", 72, [30_000], complete: true);
        int id = await daemon.AddAsync(bytes);
        await daemon.WaitForStatusAsync(id, 6);
        await RenameAsync(daemon, id, "one.bin", "two.bin");
        Assert.Equal("two.bin", (await daemon.GetAsync(id, "name")).GetProperty("name").GetString());
        Assert.Equal(["two.bin"], await FileNamesAsync(daemon, id));
        await daemon.WaitForStatusAsync(id, 6);

        string elsewhere = daemon.Dir.Combine("elsewhere");
        await daemon.OkAsync("torrent-set-location", new { ids = id, location = elsewhere, move = true });
        Assert.True(File.Exists(Path.Combine(elsewhere, "two.bin")));
        await daemon.WaitForStatusAsync(id, 6);
        await daemon.OkAsync("torrent-remove", new Dictionary<string, object> { ["ids"] = id, ["delete-local-data"] = true });
        await daemon.Session.WhenIdleAsync();
        Assert.False(File.Exists(Path.Combine(elsewhere, "two.bin")));
    }

    [Fact]
    public async Task A_stopped_torrent_is_renamed_and_stays_stopped_and_one_with_no_data_yet_is_renamed_in_its_list_only()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var (_, bytes, _) = await daemon.MakeTorrentAsync("later", 73, [10_000, 10_000]);
        int id = await daemon.AddAsync(bytes, paused: true);
        await RenameAsync(daemon, id, "later/file0.bin", "a.bin");
        await daemon.Session.WhenIdleAsync();
        Assert.Equal(0, (await daemon.GetAsync(id, "status")).GetProperty("status").GetInt32());
        Assert.Equal(["later/a.bin", "later/file1.bin"], await FileNamesAsync(daemon, id));
        Assert.False(Directory.Exists(Path.Combine(daemon.Downloads, "later")));
    }

    [Theory]
    [InlineData("x/y", "path separator")]
    [InlineData("..", "'..'")]
    [InlineData(".", "'.'")]
    [InlineData("", "empty")]
    [InlineData("bad:name", "colon")]
    [InlineData("file0.bin", "already a file or folder")]
    [InlineData("FILE0.BIN", "case-insensitive")]
    [InlineData("file0.bin.part", "partial download")]
    public async Task Unsafe_or_clashing_names_are_refused_and_nothing_changes(string name, string reason)
    {
        await using var daemon = await TestDaemon.StartAsync();
        var (_, bytes, _) = await daemon.MakeTorrentAsync("safe", 74, [10_000, 10_000], complete: true);
        int id = await daemon.AddAsync(bytes);
        await daemon.WaitForStatusAsync(id, 6);
        string error = await daemon.FailAsync("torrent-rename-path", new { ids = id, path = "safe/file1.bin", name });
        Assert.Contains(reason, error, StringComparison.Ordinal);
        Assert.Equal(["safe/file0.bin", "safe/file1.bin"], await FileNamesAsync(daemon, id));
        Assert.True(File.Exists(Path.Combine(daemon.Downloads, "safe", "file1.bin")));
        Assert.Equal(6, (await daemon.GetAsync(id, "status")).GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Unknown_paths_several_torrents_the_resume_folder_name_and_magnets_without_metadata_are_refused()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var (_, a, _) = await daemon.MakeTorrentAsync("a", 75, [10_000, 10_000]);
        var (_, b, _) = await daemon.MakeTorrentAsync("b.bin", 76, [10_000]);
        int first = await daemon.AddAsync(a, paused: true), second = await daemon.AddAsync(b, paused: true);
        Assert.Contains("1 torrent", await daemon.FailAsync("torrent-rename-path", new { ids = new[] { first, second }, path = "a", name = "c" }));
        Assert.Contains("not a file or folder", await daemon.FailAsync("torrent-rename-path", new { ids = first, path = "a/nope.bin", name = "c" }));
        Assert.Contains("not a file or folder", await daemon.FailAsync("torrent-rename-path", new { ids = first, path = "a/file0", name = "c" }));
        Assert.Contains("reserved", await daemon.FailAsync("torrent-rename-path", new { ids = first, path = "a", name = ".shoal" }));
        await daemon.OkAsync("torrent-add", new { filename = "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn=m", paused = true });
        Assert.Contains("no metadata", await daemon.FailAsync("torrent-rename-path", new { ids = 3, path = "m", name = "n" }));
        // Renaming to the same name is a success that changes nothing.
        await RenameAsync(daemon, second, "b.bin", "b.bin");
        Assert.Equal(["b.bin"], await FileNamesAsync(daemon, second));
    }

    [Fact]
    public async Task A_symbolic_link_in_the_torrents_data_is_never_renamed_or_followed()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var (_, bytes, _) = await daemon.MakeTorrentAsync("linked", 77, [10_000, 10_000]);
        int id = await daemon.AddAsync(bytes, paused: true);
        string outside = daemon.Dir.Combine("outside");
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "file0.bin"), "not the torrent's");
        Directory.CreateDirectory(daemon.Downloads);
        Directory.CreateSymbolicLink(Path.Combine(daemon.Downloads, "linked"), outside);
        Assert.Contains("symbolic link", await daemon.FailAsync("torrent-rename-path", new { ids = id, path = "linked/file0.bin", name = "x.bin" }));
        Assert.Contains("symbolic link", await daemon.FailAsync("torrent-rename-path", new { ids = id, path = "linked", name = "other" }));
        Assert.True(File.Exists(Path.Combine(outside, "file0.bin")));
        Assert.Equal(["linked/file0.bin", "linked/file1.bin"], await FileNamesAsync(daemon, id));
    }

    [Fact]
    public void Data_files_rename_moves_a_partial_file_and_refuses_an_existing_target()
    {
        using var dir = new TempDirectory("rename-data");
        Directory.CreateDirectory(dir.Combine("t"));
        File.WriteAllText(dir.Combine("t", "a.bin.part"), "partial");
        File.WriteAllText(dir.Combine("t", "taken.bin"), "someone's");
        Assert.True(DataFiles.Rename(dir.Path, ["t", "a.bin"], ["t", "b.bin"]));
        Assert.Equal("partial", File.ReadAllText(dir.Combine("t", "b.bin.part")));
        Assert.Throws<IOException>(() => DataFiles.Rename(dir.Path, ["t", "b.bin"], ["t", "taken.bin"]));
        Assert.True(File.Exists(dir.Combine("t", "b.bin.part")));
        Assert.False(DataFiles.Rename(dir.Path, ["t", "missing.bin"], ["t", "c.bin"]));
        Assert.Throws<ArgumentException>(() => DataFiles.Rename(dir.Path, ["t", "b.bin"], ["u", "b.bin"]));
    }

    [Fact]
    public async Task A_nested_folder_is_renamed_with_every_file_under_it_and_a_prefix_that_is_not_a_whole_component_is_unknown()
    {
        using var dir = new TempDirectory("rename-paths");
        dir.WriteRandomFile(Path.Combine("t", "sub", "a.bin"), 100, 1);
        dir.WriteRandomFile(Path.Combine("t", "sub", "b.bin"), 100, 2);
        dir.WriteRandomFile(Path.Combine("t", "subway.bin"), 100, 3);
        var info = (await new global::Shoal.Metainfo.TorrentBuilder { PieceLength = 16 * 1024 }.BuildAsync(dir.Combine("t"), cancellationToken: TestContext.Current.CancellationToken)).Info;
        var none = new TorrentSettings();
        var renamed = TorrentPaths.Rename(info, none, "t/sub", "disc 1");
        Assert.Equal(["t/disc 1/a.bin", "t/disc 1/b.bin", "t/subway.bin"], renamed);
        var settings = none with { FilePaths = renamed };
        Assert.Equal("t", TorrentPaths.Name(info, settings));
        Assert.Throws<ArgumentException>(() => TorrentPaths.Rename(info, settings, "t/sub", "x"));
        Assert.Throws<ArgumentException>(() => TorrentPaths.Rename(info, settings, "t/disc", "x"));
        Assert.Throws<ArgumentException>(() => TorrentPaths.Rename(info, settings, "t/subway.bin", "disc 1"));
        Assert.Empty(TorrentPaths.Rename(info, settings, "t/disc 1", "sub")); // back to the torrent's own
    }
}
