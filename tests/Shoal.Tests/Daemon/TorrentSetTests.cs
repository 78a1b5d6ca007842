namespace Shoal.Tests.Daemon;

public sealed class TorrentSetTests
{
    [Fact]
    public async Task Settings_are_applied_and_read_back()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var (_, bytes, _) = await daemon.MakeTorrentAsync("s", 20, [10_000, 10_000]);
        int id = await daemon.AddAsync(bytes, paused: true);
        await daemon.OkAsync("torrent-set", new Dictionary<string, object>
        {
            ["ids"] = new[] { id },
            ["labels"] = new[] { "tv", "hd" },
            ["downloadLimit"] = 250,
            ["downloadLimited"] = true,
            ["uploadLimit"] = 50,
            ["uploadLimited"] = 1, // Transmission takes 0/1 for booleans
            ["honorsSessionLimits"] = false,
            ["seedRatioLimit"] = 1.5,
            ["seedRatioMode"] = 1,
            ["seedIdleLimit"] = 10,
            ["seedIdleMode"] = 2,
            ["bandwidthPriority"] = 1,
            ["peer-limit"] = 12,
            ["priority-low"] = new[] { 1 },
            ["sequentialDownload"] = true,
            ["group"] = "slow",
        });
        var t = await daemon.GetAsync(id, "labels", "downloadLimit", "downloadLimited", "uploadLimit", "uploadLimited", "honorsSessionLimits",
            "seedRatioLimit", "seedRatioMode", "seedIdleLimit", "seedIdleMode", "bandwidthPriority", "peer-limit", "priorities", "sequentialDownload",
            "group", "editDate");
        Assert.Equal(["tv", "hd"], t.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
        Assert.Equal(250, t.GetProperty("downloadLimit").GetInt32());
        Assert.True(t.GetProperty("downloadLimited").GetBoolean());
        Assert.Equal(50, t.GetProperty("uploadLimit").GetInt32());
        Assert.True(t.GetProperty("uploadLimited").GetBoolean());
        Assert.False(t.GetProperty("honorsSessionLimits").GetBoolean());
        Assert.Equal(1.5, t.GetProperty("seedRatioLimit").GetDouble());
        Assert.Equal(1, t.GetProperty("seedRatioMode").GetInt32());
        Assert.Equal(10, t.GetProperty("seedIdleLimit").GetInt32());
        Assert.Equal(2, t.GetProperty("seedIdleMode").GetInt32());
        Assert.Equal(1, t.GetProperty("bandwidthPriority").GetInt32());
        Assert.Equal(12, t.GetProperty("peer-limit").GetInt32());
        Assert.Equal([0, -1], t.GetProperty("priorities").EnumerateArray().Select(p => p.GetInt32()));
        Assert.True(t.GetProperty("sequentialDownload").GetBoolean());
        Assert.Equal("slow", t.GetProperty("group").GetString());
        Assert.True(t.GetProperty("editDate").GetInt64() > 0);
    }

    [Fact]
    public async Task An_empty_file_list_means_every_file()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var (_, bytes, _) = await daemon.MakeTorrentAsync("e", 21, [1000, 1000, 1000]);
        int id = await daemon.AddAsync(bytes, paused: true);
        await daemon.OkAsync("torrent-set", new { ids = id, files_unwanted = 0 }); // an unknown key: ignored
        await daemon.OkAsync("torrent-set", new Dictionary<string, object> { ["ids"] = id, ["files-unwanted"] = Array.Empty<int>() });
        Assert.Equal([0, 0, 0], (await daemon.GetAsync(id, "wanted")).GetProperty("wanted").EnumerateArray().Select(w => w.GetInt32()));
        await daemon.OkAsync("torrent-set", new Dictionary<string, object> { ["ids"] = id, ["files-wanted"] = new[] { 2 }, ["priority-high"] = Array.Empty<int>() });
        var t = await daemon.GetAsync(id, "wanted", "priorities");
        Assert.Equal([0, 0, 1], t.GetProperty("wanted").EnumerateArray().Select(w => w.GetInt32()));
        Assert.Equal([1, 1, 1], t.GetProperty("priorities").EnumerateArray().Select(w => w.GetInt32()));
    }

    [Fact]
    public async Task An_out_of_range_file_index_is_an_error_but_the_valid_ones_apply()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var (_, bytes, _) = await daemon.MakeTorrentAsync("r", 22, [1000, 1000]);
        int id = await daemon.AddAsync(bytes, paused: true);
        var result = await daemon.FailAsync("torrent-set", new Dictionary<string, object> { ["ids"] = id, ["files-unwanted"] = new[] { 1, 7, -1 } });
        Assert.Equal("file index out of range", result);
        Assert.Equal([1, 0], (await daemon.GetAsync(id, "wanted")).GetProperty("wanted").EnumerateArray().Select(w => w.GetInt32()));
    }

    [Theory]
    [InlineData("[\"a,b\"]", "comma")]
    [InlineData("[\"\"]", "labels cannot be empty")]
    public async Task Bad_labels_are_refused_and_leave_the_old_ones(string labels, string expected)
    {
        await using var daemon = await TestDaemon.StartAsync();
        var (_, bytes, _) = await daemon.MakeTorrentAsync("l", 23, [1000]);
        int id = await daemon.AddAsync(bytes, paused: true);
        await daemon.OkAsync("torrent-set", new { ids = id, labels = new[] { "keep" } });
        var response = await daemon.RawAsync($"{{\"method\":\"torrent-set\",\"arguments\":{{\"ids\":{id},\"labels\":{labels}}}}}");
        Assert.Contains(expected, response.GetProperty("result").GetString());
        Assert.Equal(["keep"], (await daemon.GetAsync(id, "labels")).GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
    }

    [Fact]
    public async Task An_invalid_tracker_list_is_refused()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var (_, bytes, _) = await daemon.MakeTorrentAsync("tl", 24, [1000], trackers: ["http://127.0.0.1:1/announce"]);
        int id = await daemon.AddAsync(bytes, paused: true);
        Assert.Equal("Invalid tracker list", await daemon.FailAsync("torrent-set", new { ids = id, trackerList = "ftp://x/announce" }));
        Assert.Equal("http://127.0.0.1:1/announce\n", (await daemon.GetAsync(id, "trackerList")).GetProperty("trackerList").GetString());
    }

    [Fact]
    public async Task The_deprecated_tracker_edits_add_replace_and_remove_by_id()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var (_, bytes, _) = await daemon.MakeTorrentAsync("td", 25, [1000], trackers: ["http://127.0.0.1:1/announce"]);
        int id = await daemon.AddAsync(bytes, paused: true);
        await daemon.OkAsync("torrent-set", new { ids = id, trackerAdd = new[] { "http://127.0.0.1:2/announce" } });
        await daemon.OkAsync("torrent-set", new { ids = id, trackerReplace = new object[] { 0, "http://127.0.0.1:3/announce" } });
        Assert.Equal("http://127.0.0.1:3/announce\n\nhttp://127.0.0.1:2/announce\n", (await daemon.GetAsync(id, "trackerList")).GetProperty("trackerList").GetString());
        await daemon.OkAsync("torrent-set", new { ids = id, trackerRemove = new[] { 0 } });
        Assert.Equal("http://127.0.0.1:2/announce\n", (await daemon.GetAsync(id, "trackerList")).GetProperty("trackerList").GetString());
    }
}
