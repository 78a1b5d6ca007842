using System.Text.Json;
using Shoal.Daemon.Rpc.Methods;

namespace Shoal.Tests.Daemon;

public sealed class TorrentGetTests
{
    // Fields whose values Transmission 4.0 writes as JSON integers (transmission-remote reads them with tr_variantDictFindInt, which
    // refuses doubles), and the ones it writes as doubles.
    private static readonly string[] IntegerFields =
    [
        "activityDate", "addedDate", "bandwidthPriority", "corruptEver", "dateCreated", "desiredAvailable", "doneDate", "downloadedEver",
        "downloadLimit", "editDate", "error", "eta", "etaIdle", "file-count", "haveUnchecked", "haveValid", "id", "leftUntilDone",
        "manualAnnounceTime", "maxConnectedPeers", "peer-limit", "peersConnected", "peersKnown", "peersGettingFromUs", "peersSendingToUs", "pieceCount",
        "pieceSize", "queuePosition", "rateDownload", "rateUpload", "secondsDownloading", "secondsSeeding", "seedIdleLimit", "seedIdleMode",
        "seedRatioMode", "sizeWhenDone", "startDate", "status", "totalSize", "uploadedEver", "uploadLimit", "webseedsSendingToUs",
    ];

    private static readonly string[] BooleanFields =
        ["downloadLimited", "honorsSessionLimits", "isFinished", "isPrivate", "isStalled", "uploadLimited", "sequentialDownload",
            "sequential_download"];

    private static readonly string[] StringFields =
        ["comment", "creator", "downloadDir", "errorString", "group", "hashString", "magnetLink", "name", "pieces", "piecesInFlight", "primary-mime-type", "torrentFile", "trackerList"];

    [Fact]
    public async Task Every_field_has_Transmissions_json_type()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var (_, bytes, _) = await daemon.MakeTorrentAsync("types", 5, [40_000, 10_000], trackers: ["http://127.0.0.1:1/announce"]);
        int id = await daemon.AddAsync(bytes, paused: true);
        var t = await daemon.GetAsync(id, [.. TorrentFields.Supported]);
        foreach (var field in IntegerFields)
            Assert.True(t.GetProperty(field).ValueKind == JsonValueKind.Number && t.GetProperty(field).TryGetInt64(out _), $"{field}: {t.GetProperty(field)}");
        foreach (var field in BooleanFields) Assert.True(t.GetProperty(field).ValueKind is JsonValueKind.True or JsonValueKind.False, field);
        foreach (var field in StringFields) Assert.Equal(JsonValueKind.String, t.GetProperty(field).ValueKind);
        foreach (var field in (string[])["percentDone", "percentComplete", "uploadRatio", "seedRatioLimit", "recheckProgress", "metadataPercentComplete"])
            Assert.Equal(JsonValueKind.Number, t.GetProperty(field).ValueKind);
        foreach (var field in (string[])["availability", "files", "fileStats", "labels", "peers", "priorities", "trackers", "trackerStats", "wanted", "webseeds"])
            Assert.Equal(JsonValueKind.Array, t.GetProperty(field).ValueKind);
        Assert.Equal(JsonValueKind.Object, t.GetProperty("peersFrom").ValueKind);
        Assert.Equal(TorrentFields.Supported.Count, t.EnumerateObject().Count());
    }

    [Fact]
    public async Task Files_stats_wanted_and_pieces_describe_a_multi_file_torrent()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var (torrent, bytes, _) = await daemon.MakeTorrentAsync("folder", 6, [40_000, 10_000, 0]);
        int id = await daemon.AddAsync(bytes, paused: true);
        await daemon.OkAsync("torrent-set", new Dictionary<string, object> { ["ids"] = new[] { id }, ["files-unwanted"] = new[] { 1 } });
        var t = await daemon.GetAsync(id, "files", "fileStats", "wanted", "priorities", "pieces", "pieceCount", "file-count");
        var files = t.GetProperty("files").EnumerateArray().ToList();
        Assert.Equal(["folder/file0.bin", "folder/file1.bin", "folder/file2.bin"], files.Select(f => f.GetProperty("name").GetString()));
        Assert.Equal([40_000L, 10_000, 0], files.Select(f => f.GetProperty("length").GetInt64()));
        Assert.All(files, f => Assert.Equal(0, f.GetProperty("bytesCompleted").GetInt64()));
        // wanted: 0/1 integers (Transmission 3.00 and 4.0.2+); fileStats[].wanted: booleans.
        Assert.Equal([1, 0, 1], t.GetProperty("wanted").EnumerateArray().Select(w => w.GetInt32()));
        Assert.Equal([true, false, true], t.GetProperty("fileStats").EnumerateArray().Select(s => s.GetProperty("wanted").GetBoolean()));
        Assert.Equal(3, t.GetProperty("file-count").GetInt32());
        var pieces = Convert.FromBase64String(t.GetProperty("pieces").GetString()!);
        Assert.Equal((torrent.Info.PieceCount + 7) / 8, pieces.Length);
        Assert.All(pieces, b => Assert.Equal(0, b));
    }

    [Fact]
    public async Task A_seeding_torrent_reports_every_piece_and_file_complete()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var (torrent, bytes, _) = await daemon.MakeTorrentAsync("full", 7, [33_000, 50_000], complete: true);
        int id = await daemon.AddAsync(bytes);
        await daemon.WaitForStatusAsync(id, 6);
        var t = await daemon.GetAsync(id, "files", "pieces", "percentComplete");
        Assert.Equal([33_000L, 50_000], t.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("bytesCompleted").GetInt64()));
        var pieces = Convert.FromBase64String(t.GetProperty("pieces").GetString()!);
        int set = pieces.Sum(b => System.Numerics.BitOperations.PopCount(b));
        Assert.Equal(torrent.Info.PieceCount, set);
        Assert.Equal(1.0, t.GetProperty("percentComplete").GetDouble());
    }

    [Fact]
    public async Task Ids_may_be_a_number_a_hash_a_list_or_absent_and_unknown_ones_are_skipped()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var (a, bytesA, _) = await daemon.MakeTorrentAsync("a", 8, [1000]);
        var (_, bytesB, _) = await daemon.MakeTorrentAsync("b", 9, [1000]);
        await daemon.AddAsync(bytesA, paused: true);
        await daemon.AddAsync(bytesB, paused: true);
        async Task<int[]> Ids(object? ids)
        {
            var args = new Dictionary<string, object> { ["fields"] = new[] { "id" } };
            if (ids is not null) args["ids"] = ids;
            return [.. (await daemon.OkAsync("torrent-get", args)).GetProperty("torrents").EnumerateArray().Select(t => t.GetProperty("id").GetInt32())];
        }
        Assert.Equal(new[] { 1, 2 }, await Ids(null));
        Assert.Equal(new[] { 2 }, await Ids(2));
        Assert.Equal(new[] { 1 }, await Ids(a.InfoHash.ToHex()));
        Assert.Equal(new[] { 1 }, await Ids(a.InfoHash.ToHex().ToUpperInvariant()));
        Assert.Equal(new[] { 2, 1 }, await Ids(new object[] { 2, a.InfoHash.ToHex(), 99, "nonsense" }));
        Assert.Empty(await Ids(42));
    }

    [Fact]
    public async Task Recently_active_lists_what_changed_in_the_last_minute_and_what_was_removed()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var (_, bytesA, _) = await daemon.MakeTorrentAsync("a", 10, [1000]);
        var (_, bytesB, _) = await daemon.MakeTorrentAsync("b", 11, [1000]);
        int a = await daemon.AddAsync(bytesA, paused: true);
        await daemon.AddAsync(bytesB, paused: true);
        daemon.Time.Advance(TimeSpan.FromMinutes(2));
        await daemon.OkAsync("torrent-set", new Dictionary<string, object> { ["ids"] = a, ["labels"] = new[] { "x" } });
        await daemon.OkAsync("torrent-remove", new { ids = new[] { 2 } });
        var args = await daemon.OkAsync("torrent-get", new { ids = "recently-active", fields = new[] { "id" } });
        Assert.Equal([a], args.GetProperty("torrents").EnumerateArray().Select(t => t.GetProperty("id").GetInt32()));
        Assert.Equal([2], args.GetProperty("removed").EnumerateArray().Select(r => r.GetInt32()));
        daemon.Time.Advance(TimeSpan.FromMinutes(2));
        args = await daemon.OkAsync("torrent-get", new { ids = "recently-active", fields = new[] { "id" } });
        Assert.Empty(args.GetProperty("torrents").EnumerateArray());
        Assert.Empty(args.GetProperty("removed").EnumerateArray());
    }

    [Fact]
    public async Task The_table_format_is_a_header_row_then_one_row_per_torrent_and_unknown_fields_are_ignored()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var (_, bytes, _) = await daemon.MakeTorrentAsync("t", 12, [1000]);
        await daemon.AddAsync(bytes, paused: true);
        var args = await daemon.OkAsync("torrent-get", new { format = "table", fields = new[] { "id", "no-such-field", "name" } });
        var rows = args.GetProperty("torrents").EnumerateArray().ToList();
        Assert.Equal(["id", "name"], rows[0].EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(1, rows[1][0].GetInt32());
        Assert.Equal("t", rows[1][1].GetString());
        Assert.Equal(2, rows.Count);
    }

    [Fact]
    public async Task Without_fields_the_request_fails()
    {
        await using var daemon = await TestDaemon.StartAsync();
        Assert.Equal("no fields specified", await daemon.FailAsync("torrent-get", new { ids = 1 }));
    }

    [Fact]
    public async Task Trackers_have_stable_ids_tiers_and_scrape_urls_and_the_list_round_trips()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var (_, bytes, _) = await daemon.MakeTorrentAsync("t", 13, [1000], trackers: ["http://127.0.0.1:1/announce"]);
        int id = await daemon.AddAsync(bytes, paused: true);
        await daemon.OkAsync("torrent-set", new { ids = id, trackerList = "http://127.0.0.1:1/announce\n\nudp://127.0.0.1:2\nhttp://127.0.0.1:3/x/announce?k=1\n" });
        var t = await daemon.GetAsync(id, "trackers", "trackerStats", "trackerList");
        var trackers = t.GetProperty("trackers").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2], trackers.Select(x => x.GetProperty("id").GetInt32()));
        Assert.Equal([0, 1, 1], trackers.Select(x => x.GetProperty("tier").GetInt32()));
        Assert.Equal("http://127.0.0.1:1/scrape", trackers[0].GetProperty("scrape").GetString());
        Assert.Equal("http://127.0.0.1:3/x/scrape?k=1", trackers[2].GetProperty("scrape").GetString());
        Assert.Equal("http://127.0.0.1:1/announce\n\nudp://127.0.0.1:2\nhttp://127.0.0.1:3/x/announce?k=1\n", t.GetProperty("trackerList").GetString());
        var stats = t.GetProperty("trackerStats")[0];
        Assert.Equal("127.0.0.1:1", stats.GetProperty("host").GetString());
        Assert.False(stats.GetProperty("hasAnnounced").GetBoolean());
        Assert.Equal(-1, stats.GetProperty("seederCount").GetInt32());
    }
}
