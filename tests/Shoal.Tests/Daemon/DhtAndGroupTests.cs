using Microsoft.Extensions.Time.Testing;
using Shoal.Client;
using Shoal.Discovery.Dht;
using Shoal.Tests.Support;

namespace Shoal.Tests.Daemon;

/// <summary>session-set dht-enabled at run time, and bandwidth groups (group-set, group-get, a torrent's group).</summary>
public sealed class DhtAndGroupTests
{
    // A DHT that may run but knows no nodes: it sends nothing.
    private static ClientOptions QuietDht(ClientOptions c, bool on) =>
        c with { EnableDht = on, Dht = new DhtOptions { BootstrapNodes = [] }, Datagrams = ClientTransports.Udp };

    private static async Task<bool> DhtEnabledAsync(TestDaemon daemon) =>
        (await daemon.OkAsync("session-get", new { fields = new[] { "dht-enabled" } })).GetProperty("dht-enabled").GetBoolean();

    [Fact]
    public async Task Dht_enabled_turns_the_node_and_the_torrents_announces_on_and_off_while_running_and_is_kept_across_a_restart()
    {
        using var dir = new TempDirectory("daemon-dht");
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 5, 12, 0, 0, TimeSpan.Zero));
        await using (var daemon = await TestDaemon.StartAsync(dir, time, client: c => QuietDht(c, on: false)))
        {
            var (_, bytes, _) = await daemon.MakeTorrentAsync("d.bin", 80, [20_000], complete: true);
            int id = await daemon.AddAsync(bytes);
            await daemon.WaitForStatusAsync(id, 6);
            Assert.False(await DhtEnabledAsync(daemon));
            Assert.False(daemon.Session.EngineOf(id)!.IsOnDht);

            await daemon.OkAsync("session-set", new Dictionary<string, object> { ["dht-enabled"] = true });
            Assert.True(await DhtEnabledAsync(daemon));
            Assert.True(daemon.Session.EngineOf(id)!.IsOnDht);

            await daemon.OkAsync("session-set", new Dictionary<string, object> { ["dht-enabled"] = false });
            Assert.False(await DhtEnabledAsync(daemon));
            Assert.False(daemon.Session.EngineOf(id)!.IsOnDht);
        }
        // The command line says on; the remote's last word (off) wins.
        await using (var daemon = await TestDaemon.StartAsync(dir, time, client: c => QuietDht(c, on: true)))
        {
            await daemon.Session.WhenIdleAsync();
            Assert.False(await DhtEnabledAsync(daemon));
            await daemon.OkAsync("session-set", new Dictionary<string, object> { ["dht-enabled"] = true });
            await daemon.WaitForStatusAsync(1, 6);
            Assert.True(await DhtEnabledAsync(daemon));
            Assert.True(daemon.Session.EngineOf(1)!.IsOnDht);
        }
    }

    [Fact]
    public async Task Session_stats_counts_the_dht_nodes_while_it_runs_and_says_nothing_when_it_is_off()
    {
        var ct = TestContext.Current.CancellationToken;
        // Another node on loopback, the daemon's only bootstrap contact: once it answers, the daemon's table holds it.
        await using var otherPort = (Shoal.Transport.UdpDatagramPort)ClientTransports.Udp(new Shoal.Swarm.EngineSettings
        {
            ListenAddress = System.Net.IPAddress.Loopback, ListenPort = 0,
        });
        await using var other = DhtNode.Start(otherPort, new DhtOptions { BootstrapNodes = [] }, TimeProvider.System, new Random(3));
        await using var daemon = await TestDaemon.StartAsync(client: c => c with
        {
            EnableDht = false, Dht = new DhtOptions { BootstrapNodes = [otherPort.LocalEndPoint.ToString()] }, Datagrams = ClientTransports.Udp,
        });
        Assert.False((await daemon.OkAsync("session-stats")).TryGetProperty("dhtNodes", out _));

        await daemon.OkAsync("session-set", new Dictionary<string, object> { ["dht-enabled"] = true });
        int nodes = 0;
        for (var deadline = DateTime.UtcNow.AddSeconds(20); nodes == 0 && DateTime.UtcNow < deadline; await Task.Delay(50, ct))
            nodes = (await daemon.OkAsync("session-stats")).GetProperty("dhtNodes").GetInt32();
        Assert.Equal(1, nodes);

        await daemon.OkAsync("session-set", new Dictionary<string, object> { ["dht-enabled"] = false });
        Assert.False((await daemon.OkAsync("session-stats")).TryGetProperty("dhtNodes", out _));
    }

    [Fact]
    public async Task Group_set_creates_and_changes_a_group_and_group_get_lists_all_or_the_named_ones()
    {
        await using var daemon = await TestDaemon.StartAsync();
        await daemon.OkAsync("group-set", new Dictionary<string, object>
        {
            ["name"] = "slow", ["speed-limit-down"] = 100, ["speed-limit-down-enabled"] = true, ["honorsSessionLimits"] = false,
        });
        await daemon.OkAsync("group-set", new Dictionary<string, object> { ["name"] = " other ", ["speed-limit-up"] = 7 });
        await daemon.OkAsync("group-set", new Dictionary<string, object> { ["name"] = "slow", ["speed-limit-up"] = 20 }); // the rest is kept

        var all = (await daemon.OkAsync("group-get")).GetProperty("group").EnumerateArray().ToList();
        Assert.Equal(["other", "slow"], all.Select(g => g.GetProperty("name").GetString()));
        var slow = all[1];
        Assert.Equal(100, slow.GetProperty("speed-limit-down").GetInt64());
        Assert.True(slow.GetProperty("speed-limit-down-enabled").GetBoolean());
        Assert.Equal(20, slow.GetProperty("speed-limit-up").GetInt64());
        Assert.False(slow.GetProperty("speed-limit-up-enabled").GetBoolean());
        Assert.False(slow.GetProperty("honorsSessionLimits").GetBoolean());
        Assert.True(all[0].GetProperty("honorsSessionLimits").GetBoolean());

        Assert.Equal(["slow"], (await daemon.OkAsync("group-get", new { name = "slow" })).GetProperty("group").EnumerateArray().Select(g => g.GetProperty("name").GetString()));
        Assert.Equal(["other"], (await daemon.OkAsync("group-get", new { group = new[] { "other", "missing" } })).GetProperty("group").EnumerateArray()
            .Select(g => g.GetProperty("name").GetString()));
        Assert.Equal("No group name given", await daemon.FailAsync("group-set", new { name = "  " }));
        Assert.Equal("No group name given", await daemon.FailAsync("group-set", new { speed_limit_up = 1 }));
    }

    [Fact]
    public async Task A_torrent_in_a_group_shares_the_groups_limits_which_apply_at_once_and_are_kept_across_a_restart()
    {
        using var dir = new TempDirectory("daemon-groups");
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 5, 12, 0, 0, TimeSpan.Zero));
        await using (var daemon = await TestDaemon.StartAsync(dir, time))
        {
            var (_, bytes, _) = await daemon.MakeTorrentAsync("g.bin", 81, [20_000], complete: true);
            int id = await daemon.AddAsync(bytes);
            await daemon.WaitForStatusAsync(id, 6);
            await daemon.OkAsync("group-set", new Dictionary<string, object> { ["name"] = "slow", ["speed-limit-up"] = 30, ["speed-limit-up-enabled"] = true });
            await daemon.OkAsync("torrent-set", new { ids = id, group = "slow" });
            Assert.Equal("slow", (await daemon.GetAsync(id, "group")).GetProperty("group").GetString());

            var session = daemon.Session.EngineOf(id)!.Session;
            var group = session.UploadLimiter.Parent!;
            Assert.Equal(30_000, group.BytesPerSecond);
            Assert.Same(daemon.Engine.UploadLimiterForTests, group.Parent); // the group honours the session's limits by default

            await daemon.OkAsync("group-set", new Dictionary<string, object> { ["name"] = "slow", ["speed-limit-up"] = 60, ["honorsSessionLimits"] = false });
            Assert.Equal(60_000, group.BytesPerSecond);
            Assert.Null(group.Parent);

            // A torrent that does not honour session limits is under neither its group's nor the session's.
            await daemon.OkAsync("torrent-set", new { ids = id, honorsSessionLimits = false });
            Assert.Null(session.UploadLimiter.Parent);
            await daemon.OkAsync("torrent-set", new { ids = id, honorsSessionLimits = true });
            Assert.Same(group, session.UploadLimiter.Parent);

            // Naming a group that does not exist creates it, without limits.
            await daemon.OkAsync("torrent-set", new { ids = id, group = "fresh" });
            var fresh = (await daemon.OkAsync("group-get", new { name = "fresh" })).GetProperty("group")[0];
            Assert.False(fresh.GetProperty("speed-limit-up-enabled").GetBoolean());
            Assert.NotSame(group, session.UploadLimiter.Parent);
            await daemon.OkAsync("torrent-set", new { ids = id, group = "slow" });
        }
        await using (var daemon = await TestDaemon.StartAsync(dir, time))
        {
            await daemon.WaitForStatusAsync(1, 6);
            var groups = (await daemon.OkAsync("group-get")).GetProperty("group").EnumerateArray().ToList();
            Assert.Equal(["fresh", "slow"], groups.Select(g => g.GetProperty("name").GetString()));
            Assert.Equal(60, groups[1].GetProperty("speed-limit-up").GetInt64());
            Assert.Equal(60_000, daemon.Session.EngineOf(1)!.Session.UploadLimiter.Parent!.BytesPerSecond);
        }
    }
}
