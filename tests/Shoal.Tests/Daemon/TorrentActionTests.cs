namespace Shoal.Tests.Daemon;

public sealed class TorrentActionTests
{
    [Fact]
    public async Task Stop_and_start_move_a_seed_between_stopped_and_seeding()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var (_, bytes, _) = await daemon.MakeTorrentAsync("ss.bin", 30, [100_000], complete: true);
        int id = await daemon.AddAsync(bytes);
        await daemon.WaitForStatusAsync(id, 6);
        await daemon.OkAsync("torrent-stop", new { ids = new[] { id } });
        await daemon.WaitForStatusAsync(id, 0);
        var stopped = await daemon.GetAsync(id, "percentDone", "rateUpload", "peersConnected");
        Assert.Equal(1.0, stopped.GetProperty("percentDone").GetDouble()); // progress is kept while stopped
        await daemon.OkAsync("torrent-start", new { ids = id });
        await daemon.WaitForStatusAsync(id, 6);
        await daemon.OkAsync("torrent-reannounce", new { ids = id });
    }

    [Fact]
    public async Task Actions_without_ids_apply_to_every_torrent()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var (_, a, _) = await daemon.MakeTorrentAsync("a.bin", 31, [20_000], complete: true);
        var (_, b, _) = await daemon.MakeTorrentAsync("b.bin", 32, [20_000], complete: true);
        int first = await daemon.AddAsync(a, paused: true), second = await daemon.AddAsync(b, paused: true);
        await daemon.OkAsync("torrent-start");
        await daemon.WaitForStatusAsync(first, 6);
        await daemon.WaitForStatusAsync(second, 6);
        await daemon.OkAsync("torrent-stop");
        await daemon.WaitForStatusAsync(first, 0);
        await daemon.WaitForStatusAsync(second, 0);
    }

    [Fact]
    public async Task Verify_finds_a_corrupted_piece_and_the_torrent_downloads_it_again()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var (torrent, bytes, _) = await daemon.MakeTorrentAsync("v.bin", 33, [64 * 1024], complete: true);
        int id = await daemon.AddAsync(bytes);
        await daemon.WaitForStatusAsync(id, 6);
        await daemon.OkAsync("torrent-stop", new { ids = id });
        await daemon.WaitForStatusAsync(id, 0);
        // Overwrite part of the second piece behind the daemon's back, keeping the file's size.
        await using (var file = File.OpenWrite(Path.Combine(daemon.Downloads, "v.bin")))
        {
            file.Position = 20_000;
            file.Write(new byte[100]);
        }
        await daemon.OkAsync("torrent-verify", new { ids = id });
        await daemon.Session.WhenIdleAsync();
        var t = await daemon.GetAsync(id, "status", "haveValid", "pieces");
        Assert.Equal(0, t.GetProperty("status").GetInt32()); // a stopped torrent stays stopped after its check
        Assert.Equal(64 * 1024 - torrent.Info.PieceLength, t.GetProperty("haveValid").GetInt64());
        Assert.Equal(0b1011_0000, Convert.FromBase64String(t.GetProperty("pieces").GetString()!)[0]);
    }

    [Fact]
    public async Task Remove_with_delete_local_data_deletes_the_files_and_empty_folders_only()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var (_, bytes, _) = await daemon.MakeTorrentAsync("gone", 34, [10_000, 10_000], complete: true);
        var (_, keepBytes, _) = await daemon.MakeTorrentAsync("kept", 35, [10_000, 10_000], complete: true);
        int id = await daemon.AddAsync(bytes);
        int keep = await daemon.AddAsync(keepBytes);
        await daemon.WaitForStatusAsync(id, 6);
        await daemon.WaitForStatusAsync(keep, 6);
        File.WriteAllText(Path.Combine(daemon.Downloads, "unrelated.txt"), "mine");
        await daemon.OkAsync("torrent-remove", new Dictionary<string, object> { ["ids"] = new[] { id }, ["delete-local-data"] = true });
        await daemon.OkAsync("torrent-remove", new { ids = new[] { keep } });
        await daemon.Session.WhenIdleAsync();
        Assert.False(Directory.Exists(Path.Combine(daemon.Downloads, "gone")));
        Assert.True(File.Exists(Path.Combine(daemon.Downloads, "kept", "file0.bin")));
        Assert.True(File.Exists(Path.Combine(daemon.Downloads, "unrelated.txt")));
        Assert.Empty((await daemon.OkAsync("torrent-get", new { fields = new[] { "id" } })).GetProperty("torrents").EnumerateArray());
    }

    [Fact]
    public async Task Set_location_with_move_moves_the_data_and_goes_on_seeding_there()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var (_, bytes, _) = await daemon.MakeTorrentAsync("mv", 36, [30_000, 5_000], complete: true);
        int id = await daemon.AddAsync(bytes);
        await daemon.WaitForStatusAsync(id, 6);
        string target = daemon.Dir.Combine("moved-here");
        await daemon.OkAsync("torrent-set-location", new { ids = id, location = target, move = true });
        await daemon.WaitForStatusAsync(id, 6);
        Assert.True(File.Exists(Path.Combine(target, "mv", "file0.bin")));
        Assert.False(Directory.Exists(Path.Combine(daemon.Downloads, "mv")));
        var t = await daemon.GetAsync(id, "downloadDir", "percentDone");
        Assert.Equal(target, t.GetProperty("downloadDir").GetString());
        Assert.Equal(1.0, t.GetProperty("percentDone").GetDouble());
    }

    [Fact]
    public async Task Set_location_without_move_looks_for_the_data_in_the_new_place()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var (_, bytes, _) = await daemon.MakeTorrentAsync("nm.bin", 37, [30_000], complete: true);
        int id = await daemon.AddAsync(bytes);
        await daemon.WaitForStatusAsync(id, 6);
        await daemon.OkAsync("torrent-set-location", new { ids = id, location = daemon.Dir.Combine("empty") });
        await daemon.WaitForStatusAsync(id, 4); // nothing there: downloading again
        Assert.True(File.Exists(Path.Combine(daemon.Downloads, "nm.bin")));
        Assert.Equal("new location path is not absolute", await daemon.FailAsync("torrent-set-location", new { ids = id, location = "rel" }));
        Assert.Equal("no location", await daemon.FailAsync("torrent-set-location", new { ids = id }));
    }

    [Fact]
    public async Task A_torrent_added_again_while_its_removal_deletes_the_data_waits_for_the_deletion()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var (_, bytes, _) = await daemon.MakeTorrentAsync("again", 36, [200_000, 200_000], complete: true);
        int id = await daemon.AddAsync(bytes);
        await daemon.WaitForStatusAsync(id, 6);
        await daemon.OkAsync("torrent-remove", new Dictionary<string, object> { ["ids"] = id, ["delete-local-data"] = true });
        int again = await daemon.AddAsync(bytes, paused: false);
        await daemon.Session.WhenIdleAsync();
        // The new copy looked at the folder after the old copy's data was gone: nothing there, nothing claimed.
        var t = await daemon.GetAsync(again, "percentDone", "errorString");
        Assert.Equal(0.0, t.GetProperty("percentDone").GetDouble());
        Assert.Equal("", t.GetProperty("errorString").GetString());
        Assert.False(File.Exists(Path.Combine(daemon.Downloads, "again", "file0.bin")));
    }
}
