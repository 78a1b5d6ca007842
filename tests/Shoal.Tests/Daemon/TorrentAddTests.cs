using System.Text.Json;
using Shoal.Metainfo;

namespace Shoal.Tests.Daemon;

public sealed class TorrentAddTests
{
    [Fact]
    public async Task Adding_metainfo_answers_id_name_and_hash_and_adding_it_again_answers_the_duplicate()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var (torrent, bytes, _) = await daemon.MakeTorrentAsync("a.bin", 1, [100_000]);
        var args = new Dictionary<string, object> { ["metainfo"] = Convert.ToBase64String(bytes), ["paused"] = true };
        var added = (await daemon.OkAsync("torrent-add", args)).GetProperty("torrent-added");
        Assert.Equal(1, added.GetProperty("id").GetInt32());
        Assert.Equal("a.bin", added.GetProperty("name").GetString());
        Assert.Equal(torrent.InfoHash.ToHex(), added.GetProperty("hashString").GetString());

        var again = await daemon.OkAsync("torrent-add", args);
        Assert.False(again.TryGetProperty("torrent-added", out _));
        Assert.Equal(1, again.GetProperty("torrent-duplicate").GetProperty("id").GetInt32());
    }

    [Fact]
    public async Task A_torrent_file_path_on_the_daemons_machine_is_read()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var (torrent, bytes, _) = await daemon.MakeTorrentAsync("b.bin", 2, [50_000]);
        string path = daemon.Dir.Combine("b.torrent");
        await File.WriteAllBytesAsync(path, bytes, TestContext.Current.CancellationToken);
        var added = (await daemon.OkAsync("torrent-add", new { filename = path, paused = true })).GetProperty("torrent-added");
        Assert.Equal(torrent.InfoHash.ToHex(), added.GetProperty("hashString").GetString());
        Assert.True(File.Exists(path)); // trash-original-torrent-files is off by default
    }

    [Fact]
    public async Task A_magnet_link_is_added_at_once_named_by_its_dn_and_waits_for_metadata()
    {
        await using var daemon = await TestDaemon.StartAsync();
        const string hash = "0123456789abcdef0123456789abcdef01234567";
        var added = (await daemon.OkAsync("torrent-add", new { filename = $"magnet:?xt=urn:btih:{hash}&dn=Some%20Name" })).GetProperty("torrent-added");
        Assert.Equal("Some Name", added.GetProperty("name").GetString());
        var t = await daemon.GetAsync(added.GetProperty("id").GetInt32(), "status", "metadataPercentComplete", "files", "totalSize", "pieces", "magnetLink");
        Assert.Equal(4, t.GetProperty("status").GetInt32()); // downloading: fetching its metadata
        Assert.Equal(0, t.GetProperty("metadataPercentComplete").GetDouble());
        Assert.Empty(t.GetProperty("files").EnumerateArray());
        Assert.Equal(0, t.GetProperty("totalSize").GetInt64());
        Assert.Equal("", t.GetProperty("pieces").GetString());
        Assert.Contains(hash, t.GetProperty("magnetLink").GetString());
    }

    [Fact]
    public async Task V2_only_torrents_and_magnets_are_added_by_their_truncated_v2_hash()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var data = daemon.Dir.WriteRandomFile("v2.bin", 50_000, 4);
        var v2 = await new Shoal.Metainfo.TorrentBuilder { Format = Shoal.Metainfo.TorrentFormat.V2, PieceLength = 16 * 1024 }.BuildAsync(data, cancellationToken: TestContext.Current.CancellationToken);
        var added = (await daemon.OkAsync("torrent-add", new { metainfo = Convert.ToBase64String(v2.Encode()), paused = true })).GetProperty("torrent-added");
        Assert.Equal(v2.InfoHashes.V2Truncated!.Value.ToHex(), added.GetProperty("hashString").GetString());
        var magnet = (await daemon.OkAsync("torrent-add", new { filename = $"magnet:?xt=urn:btmh:1220{v2.InfoHashes.V2}", paused = true })).GetProperty("torrent-duplicate");
        Assert.Equal(v2.InfoHashes.V2Truncated!.Value.ToHex(), magnet.GetProperty("hashString").GetString());

        var hybrid = await new Shoal.Metainfo.TorrentBuilder { Format = Shoal.Metainfo.TorrentFormat.Hybrid }.BuildAsync(data, cancellationToken: TestContext.Current.CancellationToken);
        added = (await daemon.OkAsync("torrent-add", new { metainfo = Convert.ToBase64String(hybrid.Encode()), paused = true })).GetProperty("torrent-added");
        Assert.Equal(hybrid.InfoHashes.V1!.Value.ToHex(), added.GetProperty("hashString").GetString()); // its v1 hash first
    }

    /// <summary>
    /// A start waiting for peers (a magnet's metadata; no peer will ever come here) is not work the session can finish, so
    /// waiting for it to be idle must not wait for it (it did, and tests waiting for a status hung).
    /// </summary>
    [Fact]
    public async Task A_running_magnet_waiting_for_metadata_does_not_keep_the_session_busy()
    {
        await using var daemon = await TestDaemon.StartAsync();
        int id = (await daemon.OkAsync("torrent-add", new { filename = "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn=m" }))
            .GetProperty("torrent-added").GetProperty("id").GetInt32();
        await daemon.Session.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        Assert.Equal(4, (await daemon.GetAsync(id, "status")).GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task A_bare_info_hash_is_a_magnet_link()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var added = (await daemon.OkAsync("torrent-add", new { filename = "0123456789ABCDEF0123456789ABCDEF01234567", paused = true })).GetProperty("torrent-added");
        Assert.Equal("0123456789abcdef0123456789abcdef01234567", added.GetProperty("hashString").GetString());
    }

    [Fact]
    public async Task Labels_paused_and_file_choices_given_at_add_are_kept()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var (_, bytes, _) = await daemon.MakeTorrentAsync("multi", 3, [20_000, 30_000, 40_000]);
        var added = (await daemon.OkAsync("torrent-add", new Dictionary<string, object>
        {
            ["metainfo"] = Convert.ToBase64String(bytes),
            ["paused"] = true,
            ["labels"] = new[] { "linux", " iso " },
            ["files-unwanted"] = new[] { 1 },
            ["priority-high"] = new[] { 2 },
            ["download-dir"] = daemon.Dir.Combine("elsewhere"),
        })).GetProperty("torrent-added");
        var t = await daemon.GetAsync(added.GetProperty("id").GetInt32(), "status", "labels", "wanted", "priorities", "downloadDir");
        Assert.Equal(0, t.GetProperty("status").GetInt32());
        Assert.Equal(["linux", "iso"], t.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
        Assert.Equal([1, 0, 1], t.GetProperty("wanted").EnumerateArray().Select(w => w.GetInt32()));
        Assert.Equal([0, 0, 1], t.GetProperty("priorities").EnumerateArray().Select(w => w.GetInt32()));
        Assert.Equal(daemon.Dir.Combine("elsewhere"), t.GetProperty("downloadDir").GetString());
    }

    [Theory]
    [InlineData("{}", "no filename or metainfo specified")]
    [InlineData("{\"metainfo\": \"***\"}", "not valid base64")]
    [InlineData("{\"metainfo\": \"ZGU=\"}", "invalid or corrupt torrent file")]
    [InlineData("{\"filename\": \"magnet:?xt=urn:btih:zz\"}", "invalid magnet link")]
    [InlineData("{\"filename\": \"relative/x.torrent\"}", "unrecognized info")]
    [InlineData("{\"filename\": \"/nonexistent/x.torrent\"}", "no such file")]
    [InlineData("{\"filename\": \"0123456789abcdef0123456789abcdef01234567\", \"download-dir\": \"relative\"}", "not absolute")]
    [InlineData("{\"filename\": \"0123456789abcdef0123456789abcdef01234567\", \"labels\": [\"a,b\"]}", "comma")]
    [InlineData("{\"filename\": \"0123456789abcdef0123456789abcdef01234567\", \"labels\": [\"  \"]}", "labels cannot be empty")]
    public async Task Bad_arguments_are_refused_with_a_reason(string arguments, string expected)
    {
        await using var daemon = await TestDaemon.StartAsync();
        var response = await daemon.RawAsync($"{{\"method\": \"torrent-add\", \"arguments\": {arguments}}}");
        Assert.Contains(expected, response.GetProperty("result").GetString());
        var torrents = (await daemon.OkAsync("torrent-get", new { fields = new[] { "id" } })).GetProperty("torrents");
        Assert.Equal(0, torrents.GetArrayLength());
    }

    [Fact]
    public async Task Adding_a_complete_torrent_starts_it_seeding_from_its_data()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var (_, bytes, _) = await daemon.MakeTorrentAsync("seed.bin", 4, [200_000], complete: true);
        int id = await daemon.AddAsync(bytes);
        await daemon.WaitForStatusAsync(id, 6);
        var t = await daemon.GetAsync(id, "percentDone", "haveValid", "leftUntilDone", "isFinished", "doneDate");
        Assert.Equal(1.0, t.GetProperty("percentDone").GetDouble());
        Assert.Equal(200_000, t.GetProperty("haveValid").GetInt64());
        Assert.Equal(0, t.GetProperty("leftUntilDone").GetInt64());
        Assert.Equal(JsonValueKind.False, t.GetProperty("isFinished").ValueKind);
    }

    [Theory]
    [InlineData(TorrentFormat.V1, 2 * 16_384 + 10_854)] // the 5-byte file's piece holds the tail of the first and the head of the last
    [InlineData(TorrentFormat.V2, 40_001 + 20_000)] // each file on its own pieces, padded
    [InlineData(TorrentFormat.Hybrid, 40_001 + 20_000)]
    public async Task HaveValid_counts_the_file_bytes_of_verified_pieces_never_padding(TorrentFormat format, long partial)
    {
        const long Total = 40_001 + 5 + 20_000;
        await using var daemon = await TestDaemon.StartAsync();
        var (_, full, _) = await daemon.MakeTorrentAsync("full", 4, [40_001, 5, 20_000], complete: true, format: format);
        var (_, part, _) = await daemon.MakeTorrentAsync("part", 7, [40_001, 5, 20_000], complete: true, format: format);
        File.Delete(Path.Combine(daemon.Downloads, "part", "file1.bin"));
        int fullId = await daemon.AddAsync(full), partId = await daemon.AddAsync(part);
        await daemon.WaitForStatusAsync(fullId, 6);
        await daemon.WaitForStatusAsync(partId, 4);

        string[] fields = ["haveValid", "totalSize", "sizeWhenDone", "leftUntilDone", "percentDone", "percentComplete"];
        var done = await daemon.GetAsync(fullId, fields);
        Assert.Equal([Total, Total, Total, 0], fields[..4].Select(f => done.GetProperty(f).GetInt64()));
        Assert.Equal(1.0, done.GetProperty("percentDone").GetDouble());
        var t = await daemon.GetAsync(partId, fields);
        Assert.Equal([partial, Total, Total, Total - partial], fields[..4].Select(f => t.GetProperty(f).GetInt64()));
        Assert.Equal((double)partial / Total, t.GetProperty("percentDone").GetDouble(), 9);
        Assert.Equal((double)partial / Total, t.GetProperty("percentComplete").GetDouble(), 9);
    }
}
