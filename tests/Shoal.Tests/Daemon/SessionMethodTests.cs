using Shoal.Client;
using System.Text.Json;
using Shoal.Daemon.Rpc.Methods;

namespace Shoal.Tests.Daemon;

public sealed class SessionMethodTests
{
    [Fact]
    public async Task Session_get_without_fields_answers_every_field_and_with_fields_only_those()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var all = await daemon.OkAsync("session-get");
        Assert.Equal(SessionFields.Supported.Order(), all.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(17, all.GetProperty("rpc-version").GetInt32());
        Assert.Equal(14, all.GetProperty("rpc-version-minimum").GetInt32());
        Assert.Equal("5.3.0", all.GetProperty("rpc-version-semver").GetString());
        Assert.Equal(daemon.Downloads, all.GetProperty("download-dir").GetString());
        Assert.Equal(daemon.Engine.ListenPort, all.GetProperty("peer-port").GetInt32());
        Assert.Equal(1000, all.GetProperty("units").GetProperty("speed-bytes").GetInt32());
        Assert.Equal(daemon.Session.Facts.SessionId, all.GetProperty("session-id").GetString());
        var some = await daemon.OkAsync("session-get", new { fields = new[] { "version", "nonsense" } });
        Assert.Equal(["version"], some.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Session_set_changes_limits_queues_and_folders_and_keeps_them()
    {
        await using var daemon = await TestDaemon.StartAsync();
        await daemon.OkAsync("session-set", new Dictionary<string, object>
        {
            ["speed-limit-down"] = 500,
            ["speed-limit-down-enabled"] = true,
            ["alt-speed-up"] = 20,
            ["alt-speed-enabled"] = true,
            ["download-queue-size"] = 2,
            ["seed-queue-enabled"] = true,
            ["seedRatioLimit"] = 3.5,
            ["seedRatioLimited"] = true,
            ["download-dir"] = daemon.Dir.Combine("new-downloads"),
            ["dht-enabled"] = true, // no UDP port in this daemon: the DHT cannot run, and says so
        });
        var s = await daemon.OkAsync("session-get");
        Assert.Equal(500, s.GetProperty("speed-limit-down").GetInt32());
        Assert.True(s.GetProperty("speed-limit-down-enabled").GetBoolean());
        Assert.Equal(20, s.GetProperty("alt-speed-up").GetInt32());
        Assert.True(s.GetProperty("alt-speed-enabled").GetBoolean());
        Assert.Equal(2, s.GetProperty("download-queue-size").GetInt32());
        Assert.True(s.GetProperty("seed-queue-enabled").GetBoolean());
        Assert.Equal(3.5, s.GetProperty("seedRatioLimit").GetDouble());
        Assert.Equal(daemon.Dir.Combine("new-downloads"), s.GetProperty("download-dir").GetString());
        Assert.False(s.GetProperty("dht-enabled").GetBoolean());
        Assert.Equal((20_000, 50_000), daemon.Session.Settings.EffectiveLimits()); // the alternative pair is in force
        Assert.Equal("download directory path is not absolute", await daemon.FailAsync("session-set", new Dictionary<string, object> { ["download-dir"] = "x" }));
    }

    [Fact]
    public async Task Dht_enabled_says_whether_the_engine_runs_a_dht_node()
    {
        await using var daemon = await TestDaemon.StartAsync(client: c => c with
        {
            EnableDht = true,
            Dht = new Shoal.Discovery.Dht.DhtOptions { BootstrapNodes = [] },
            Datagrams = ClientTransports.Udp,
        });
        var s = await daemon.OkAsync("session-get", new { fields = new[] { "dht-enabled" } });
        Assert.True(s.GetProperty("dht-enabled").GetBoolean());
    }

    [Fact]
    public async Task Session_stats_counts_torrents_and_this_session()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var (_, bytes, _) = await daemon.MakeTorrentAsync("st", 40, [1000]);
        await daemon.AddAsync(bytes, paused: true);
        var stats = await daemon.OkAsync("session-stats");
        Assert.Equal(1, stats.GetProperty("torrentCount").GetInt32());
        Assert.Equal(1, stats.GetProperty("pausedTorrentCount").GetInt32());
        Assert.Equal(0, stats.GetProperty("activeTorrentCount").GetInt32());
        Assert.Equal(1, stats.GetProperty("current-stats").GetProperty("filesAdded").GetInt32());
        Assert.Equal(1, stats.GetProperty("cumulative-stats").GetProperty("sessionCount").GetInt32());
        foreach (var key in (string[])["uploadedBytes", "downloadedBytes", "secondsActive"])
            Assert.Equal(JsonValueKind.Number, stats.GetProperty("current-stats").GetProperty(key).ValueKind);
    }

    [Fact]
    public async Task Session_close_asks_the_daemon_to_shut_down()
    {
        await using var daemon = await TestDaemon.StartAsync();
        Assert.False(daemon.Session.ShutdownRequested.IsCompleted);
        await daemon.OkAsync("session-close");
        Assert.True(daemon.Session.ShutdownRequested.IsCompleted);
    }

    [Fact]
    public async Task Free_space_port_test_and_blocklist_update()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var space = await daemon.OkAsync("free-space", new { path = daemon.Dir.Path });
        Assert.Equal(daemon.Dir.Path, space.GetProperty("path").GetString());
        Assert.True(space.GetProperty("size-bytes").GetInt64() > 0);
        Assert.True(space.GetProperty("total_size").GetInt64() >= space.GetProperty("size-bytes").GetInt64());
        Assert.Equal("directory path is not absolute", await daemon.FailAsync("free-space", new { path = "tmp" }));
        Assert.Equal("directory path argument is missing", await daemon.FailAsync("free-space"));

        var port = await daemon.OkAsync("port-test");
        Assert.True(port.GetProperty("port-is-open").GetBoolean());
        Assert.Contains("not tested", port.GetProperty("port-test-note").GetString());

        Assert.Contains("not supported", await daemon.FailAsync("blocklist-update"));
    }

    [Fact]
    public async Task Queue_moves_reorder_positions_as_Transmission_does()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var ids = new List<int>();
        for (int i = 0; i < 4; i++) ids.Add(await daemon.AddAsync((await daemon.MakeTorrentAsync($"q{i}", 50 + i, [1000])).Bytes, paused: true));
        async Task<int[]> Order() => [.. (await daemon.OkAsync("torrent-get", new { fields = new[] { "id", "queuePosition" } })).GetProperty("torrents")
            .EnumerateArray().OrderBy(t => t.GetProperty("queuePosition").GetInt32()).Select(t => t.GetProperty("id").GetInt32())];
        Assert.Equal(new[] { 1, 2, 3, 4 }, await Order());
        await daemon.OkAsync("queue-move-top", new { ids = new[] { 3 } });
        Assert.Equal(new[] { 3, 1, 2, 4 }, await Order());
        await daemon.OkAsync("queue-move-down", new { ids = new[] { 3 } });
        Assert.Equal(new[] { 1, 3, 2, 4 }, await Order());
        await daemon.OkAsync("queue-move-bottom", new { ids = new[] { 1, 3 } });
        Assert.Equal(new[] { 2, 4, 1, 3 }, await Order());
        await daemon.OkAsync("queue-move-up", new { ids = new[] { 1 } });
        Assert.Equal(new[] { 2, 1, 4, 3 }, await Order());
        await daemon.OkAsync("torrent-set", new { ids = 3, queuePosition = 0 });
        Assert.Equal(new[] { 3, 2, 1, 4 }, await Order());
        await daemon.OkAsync("torrent-remove", new { ids = 2 });
        Assert.Equal(new[] { 3, 1, 4 }, await Order());
    }
}
