using System.Text.Json;
using Shoal.Daemon.Torrents;
using Shoal.Metainfo;
using Shoal.Tests.Support;
using FilePriority = Shoal.Swarm.FilePriority;
using FileSelection = Shoal.Swarm.FileSelection;
using RpcPriority = Shoal.Daemon.Torrents.FilePriority;

namespace Shoal.Tests.Daemon;

/// <summary>
/// Padding (BEP 47 pad files of a hybrid, the padding after each file of a v2 torrent) is not a file to the RPC: torrent-get
/// lists only real files, numbered 0..n-1, and every file index given to torrent-add or torrent-set names a real file.
/// </summary>
public class PaddingFileTests
{
    // 16 KiB pieces: each file is followed by padding up to a piece boundary.
    private static readonly long[] Sizes = [40_000, 20_000, 30_000];

    private static string[] Names(JsonElement t) => [.. t.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("name").GetString()!)];

    private static long[] Lengths(JsonElement t) => [.. t.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("length").GetInt64())];

    private static int[] Ints(JsonElement t, string field) => [.. t.GetProperty(field).EnumerateArray().Select(v => v.GetInt32())];

    [Theory]
    [InlineData(TorrentFormat.V2)]
    [InlineData(TorrentFormat.Hybrid)]
    public async Task Torrent_get_lists_only_the_real_files(TorrentFormat format)
    {
        await using var daemon = await TestDaemon.StartAsync();
        var (torrent, bytes, _) = await daemon.MakeTorrentAsync("album", 31, Sizes, format: format);
        Assert.Contains(torrent.Info.Files, f => f.IsPadding); // else this test shows nothing
        int id = await daemon.AddAsync(bytes, paused: true);
        var t = await daemon.GetAsync(id, "files", "fileStats", "wanted", "priorities", "file-count");
        Assert.Equal(["album/file0.bin", "album/file1.bin", "album/file2.bin"], Names(t));
        Assert.Equal(Sizes, Lengths(t));
        Assert.Equal(3, t.GetProperty("fileStats").GetArrayLength());
        Assert.Equal([1, 1, 1], Ints(t, "wanted"));
        Assert.Equal([0, 0, 0], Ints(t, "priorities"));
        Assert.Equal(3, t.GetProperty("file-count").GetInt32());
    }

    [Fact]
    public async Task A_single_file_v2_torrent_shows_its_file_once()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var (torrent, bytes, _) = await daemon.MakeTorrentAsync("v2.bin", 32, [50_000], format: TorrentFormat.V2);
        Assert.Equal(2, torrent.Info.Files.Count); // the file and its padding to the piece boundary
        int id = await daemon.AddAsync(bytes, paused: true);
        var t = await daemon.GetAsync(id, "files", "fileStats", "file-count");
        Assert.Equal(["v2.bin"], Names(t));
        Assert.Single(t.GetProperty("fileStats").EnumerateArray());
        Assert.Equal(1, t.GetProperty("file-count").GetInt32());
    }

    [Fact]
    public async Task Files_unwanted_by_rpc_index_skips_that_file_of_a_v2_torrent()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var (_, bytes, _) = await daemon.MakeTorrentAsync("album", 33, Sizes, complete: true, format: TorrentFormat.V2);
        File.Delete(daemon.Dir.Combine("downloads", "album", "file1.bin"));
        var added = await daemon.OkAsync("torrent-add", new Dictionary<string, object>
        {
            ["metainfo"] = Convert.ToBase64String(bytes), ["paused"] = false, ["files-unwanted"] = new[] { 1 },
        });
        int id = added.GetProperty("torrent-added").GetProperty("id").GetInt32();
        // v2 files share no piece: without file1 nothing is left to fetch, so it is done and seeds.
        await daemon.WaitForStatusAsync(id, 4);
        daemon.Time.Advance(TimeSpan.FromSeconds(1)); // the session reads the engine's state once a second
        await daemon.WaitForStatusAsync(id, 6);
        var t = await daemon.GetAsync(id, "wanted", "leftUntilDone", "sizeWhenDone", "fileStats");
        Assert.Equal([1, 0, 1], Ints(t, "wanted"));
        Assert.Equal(0, t.GetProperty("leftUntilDone").GetInt64());
        Assert.Equal(Sizes[0] + Sizes[2], t.GetProperty("sizeWhenDone").GetInt64());
        Assert.Equal([Sizes[0], 0, Sizes[2]], t.GetProperty("fileStats").EnumerateArray().Select(f => f.GetProperty("bytesCompleted").GetInt64()));
        Assert.False(File.Exists(daemon.Dir.Combine("downloads", "album", "file1.bin")));
    }

    [Fact]
    public async Task File_choices_by_rpc_index_reach_the_right_file_of_a_hybrid_and_survive_a_restart()
    {
        using var dir = new TempDirectory("daemon");
        int id;
        await using (var daemon = await TestDaemon.StartAsync(dir))
        {
            var (torrent, bytes, _) = await daemon.MakeTorrentAsync("album", 34, Sizes, format: TorrentFormat.Hybrid);
            // Internally: file0, pad, file1, pad, file2, pad.
            Assert.Equal([false, true, false, true, false, true], torrent.Info.Files.Select(f => f.IsPadding));
            var added = await daemon.OkAsync("torrent-add", new Dictionary<string, object>
            {
                ["metainfo"] = Convert.ToBase64String(bytes), ["paused"] = false, ["files-unwanted"] = new[] { 2 }, ["priority-high"] = new[] { 1 },
            });
            id = added.GetProperty("torrent-added").GetProperty("id").GetInt32();
            await daemon.WaitForStatusAsync(id, 4);
            var selection = Assert.IsType<FileSelection>(daemon.Session.EngineOf(id)!.Session.PiecePolicy);
            Assert.Equal([FilePriority.Normal, FilePriority.Normal, FilePriority.High, FilePriority.Normal, FilePriority.Skip, FilePriority.Normal],
                selection.Priorities);

            await daemon.OkAsync("torrent-set", new Dictionary<string, object>
            {
                ["ids"] = new[] { id }, ["files-wanted"] = new[] { 2 }, ["files-unwanted"] = new[] { 0 }, ["priority-low"] = new[] { 2 },
            });
            selection = Assert.IsType<FileSelection>(daemon.Session.EngineOf(id)!.Session.PiecePolicy);
            Assert.Equal([FilePriority.Skip, FilePriority.Normal, FilePriority.High, FilePriority.Normal, FilePriority.Low, FilePriority.Normal],
                selection.Priorities);
            // Index 3 would be the fourth internal entry (padding): to the RPC there is no file 3.
            Assert.Equal("file index out of range", await daemon.FailAsync("torrent-set", new Dictionary<string, object>
            {
                ["ids"] = new[] { id }, ["files-unwanted"] = new[] { 3 },
            }));
        }
        await using (var daemon = await TestDaemon.StartAsync(dir))
        {
            var t = await daemon.GetAsync(id, "wanted", "priorities");
            Assert.Equal([0, 1, 1], Ints(t, "wanted"));
            Assert.Equal([0, 1, -1], Ints(t, "priorities"));
        }
    }

    [Fact]
    public async Task Every_file_wanted_again_is_the_default_selection_even_where_an_old_record_unwanted_the_padding()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var (torrent, _, _) = await daemon.MakeTorrentAsync("album", 35, Sizes, format: TorrentFormat.Hybrid);
        var map = FileIndexMap.Of(torrent.Info);
        Assert.Equal(3, map.Count);
        Assert.Equal([0, 2, 4], map.InternalIndices);
        // As stored before padding was hidden: "every file unwanted" reached the padding too.
        var old = new TorrentSettings { Wanted = [false, false, false, false, false, false], Priorities = [1, 1, 1, 1, 1, 1] };
        var now = old.WithWanted(map.InternalIndices, true, map).WithPriority(map.InternalIndices, RpcPriority.Normal, map);
        Assert.Empty(now.Wanted);
        Assert.Empty(now.Priorities);
    }
}
