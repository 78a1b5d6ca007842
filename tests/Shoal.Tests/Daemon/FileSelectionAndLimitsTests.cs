using Shoal.Swarm;

namespace Shoal.Tests.Daemon;

/// <summary>torrent-set's file selection, sequential flag and limits reach the running engine; the sizes follow the selection.</summary>
public class FileSelectionAndLimitsTests
{
    // 16 KiB pieces: file0 = pieces 0–2, file1 = pieces 2–6 (3, 4 and 5 wholly inside it), file2 = pieces 6–7.
    private static readonly long[] Sizes = [40_000, 60_000, 30_000];
    private const int PieceLength = 16 * 1024;

    [Fact]
    public async Task An_unwanted_file_is_not_created_and_the_sizes_count_only_the_wanted_pieces()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var (_, bytes, _) = await daemon.MakeTorrentAsync("album", 11, Sizes, complete: true);
        File.Delete(daemon.Dir.Combine("downloads", "album", "file1.bin"));
        var added = await daemon.OkAsync("torrent-add", new Dictionary<string, object>
        {
            ["metainfo"] = Convert.ToBase64String(bytes), ["paused"] = false, ["files-unwanted"] = new[] { 1 },
        });
        int id = added.GetProperty("torrent-added").GetProperty("id").GetInt32();
        await daemon.WaitForStatusAsync(id, 4); // downloading: the shared pieces 2 and 6 need file1's bytes from a peer
        var t = await daemon.GetAsync(id, "sizeWhenDone", "leftUntilDone", "percentDone", "totalSize", "wanted", "availability", "piecesInFlight",
            "peersKnown");
        // Verified pieces read -1; the others 0 (no peer connected), as Transmission's availability does.
        Assert.Equal([-1, -1, 0, 0, 0, 0, 0, -1], t.GetProperty("availability").EnumerateArray().Select(a => a.GetInt32()));
        Assert.Equal([0], Convert.FromBase64String(t.GetProperty("piecesInFlight").GetString()!));
        Assert.Equal(0, t.GetProperty("peersKnown").GetInt32());
        long total = Sizes.Sum();
        Assert.Equal(total, t.GetProperty("totalSize").GetInt64());
        Assert.Equal(total - 3 * PieceLength, t.GetProperty("sizeWhenDone").GetInt64());
        Assert.Equal(2 * PieceLength, t.GetProperty("leftUntilDone").GetInt64());
        Assert.Equal((double)(total - 5 * PieceLength) / (total - 3 * PieceLength), t.GetProperty("percentDone").GetDouble(), 6);
        Assert.Equal([1, 0, 1], t.GetProperty("wanted").EnumerateArray().Select(w => w.GetInt32()));
        Assert.False(File.Exists(daemon.Dir.Combine("downloads", "album", "file1.bin")));
        Assert.False(File.Exists(daemon.Dir.Combine("downloads", "album", "file1.bin.part")));

        var engine = daemon.Session.EngineOf(id)!;
        var selection = Assert.IsType<FileSelection>(engine.Session.PiecePolicy);
        Assert.Equal([FilePriority.Normal, FilePriority.Skip, FilePriority.Normal], selection.Priorities);
    }

    [Fact]
    public async Task Unwanting_the_missing_file_makes_a_torrent_done_and_seeding()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var (_, bytes, _) = await daemon.MakeTorrentAsync("album", 12, [32_768, 16_384, 16_384], complete: true);
        File.Delete(daemon.Dir.Combine("downloads", "album", "file1.bin"));
        int id = await daemon.AddAsync(bytes);
        await daemon.WaitForStatusAsync(id, 4);
        await daemon.OkAsync("torrent-set", new Dictionary<string, object> { ["ids"] = new[] { id }, ["files-unwanted"] = new[] { 1 } });
        daemon.Time.Advance(TimeSpan.FromSeconds(1)); // the session reads the engine's state once a second
        await daemon.WaitForStatusAsync(id, 6);
        var t = await daemon.GetAsync(id, "percentDone", "leftUntilDone", "sizeWhenDone", "percentComplete");
        Assert.Equal(1.0, t.GetProperty("percentDone").GetDouble());
        Assert.Equal(0, t.GetProperty("leftUntilDone").GetInt64());
        Assert.Equal(49_152, t.GetProperty("sizeWhenDone").GetInt64());
        Assert.Equal(0.75, t.GetProperty("percentComplete").GetDouble(), 6);
    }

    [Fact]
    public async Task Limits_priorities_and_sequential_set_over_rpc_reach_the_running_engine()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var (_, bytes, _) = await daemon.MakeTorrentAsync("album", 13, Sizes);
        int id = await daemon.AddAsync(bytes);
        await daemon.WaitForStatusAsync(id, 4);
        await daemon.OkAsync("torrent-set", new Dictionary<string, object>
        {
            ["ids"] = new[] { id }, ["downloadLimit"] = 250, ["downloadLimited"] = true, ["uploadLimit"] = 40, ["uploadLimited"] = true,
            ["honorsSessionLimits"] = false, ["peer-limit"] = 7, ["priority-high"] = new[] { 2 }, ["sequential_download"] = true,
        });
        var session = daemon.Session.EngineOf(id)!.Session;
        Assert.Equal(250_000, session.DownloadLimiter.BytesPerSecond);
        Assert.Equal(40_000, session.UploadLimiter.BytesPerSecond);
        Assert.False(session.HonorsEngineLimits);
        Assert.Equal(7, session.MaxConnections);
        var selection = Assert.IsType<FileSelection>(session.PiecePolicy);
        Assert.True(selection.Sequential);
        Assert.Equal([FilePriority.Normal, FilePriority.Normal, FilePriority.High], selection.Priorities);
        var t = await daemon.GetAsync(id, "sequentialDownload", "sequential_download", "priorities");
        Assert.True(t.GetProperty("sequential_download").GetBoolean());
        Assert.True(t.GetProperty("sequentialDownload").GetBoolean());

        // Back to the defaults: no limits, no policy (rarest first over every piece).
        await daemon.OkAsync("torrent-set", new Dictionary<string, object>
        {
            ["ids"] = new[] { id }, ["downloadLimited"] = false, ["uploadLimited"] = false, ["honorsSessionLimits"] = true,
            ["priority-normal"] = Array.Empty<int>(), ["sequentialDownload"] = false,
        });
        Assert.Equal(0, session.DownloadLimiter.BytesPerSecond);
        Assert.Equal(0, session.UploadLimiter.BytesPerSecond);
        Assert.True(session.HonorsEngineLimits);
        Assert.Null(session.PiecePolicy);
    }
}
