using Microsoft.Extensions.Time.Testing;
using Shoal.Tests.Support;

namespace Shoal.Tests.Daemon;

public sealed class SessionPersistenceTests
{
    [Fact]
    public async Task A_restarted_session_has_every_torrent_back_with_its_id_state_settings_and_queue()
    {
        using var dir = new TempDirectory("daemon-restart");
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 5, 12, 0, 0, TimeSpan.Zero));
        string seedHash, pausedHash, magnetHash = "0123456789abcdef0123456789abcdef01234567";
        await using (var daemon = await TestDaemon.StartAsync(dir, time))
        {
            var (seed, seedBytes, _) = await daemon.MakeTorrentAsync("seed.bin", 60, [50_000], complete: true);
            var (paused, pausedBytes, _) = await daemon.MakeTorrentAsync("paused", 61, [10_000, 20_000]);
            seedHash = seed.InfoHash.ToHex();
            pausedHash = paused.InfoHash.ToHex();
            int s = await daemon.AddAsync(seedBytes);
            int p = await daemon.AddAsync(pausedBytes, paused: true);
            await daemon.OkAsync("torrent-add", new { filename = $"magnet:?xt=urn:btih:{magnetHash}&dn=mag", paused = true });
            await daemon.OkAsync("torrent-set", new Dictionary<string, object>
            {
                ["ids"] = p, ["labels"] = new[] { "keep" }, ["files-unwanted"] = new[] { 0 }, ["seedRatioMode"] = 1, ["seedRatioLimit"] = 0.5,
            });
            await daemon.OkAsync("queue-move-top", new { ids = new[] { 3 } });
            await daemon.OkAsync("session-set", new Dictionary<string, object> { ["speed-limit-up"] = 77, ["speed-limit-up-enabled"] = true });
            await daemon.WaitForStatusAsync(s, 6);
            time.Advance(TimeSpan.FromSeconds(30));
        }
        await using (var daemon = await TestDaemon.StartAsync(dir, time))
        {
            var torrents = (await daemon.OkAsync("torrent-get", new
            {
                fields = new[] { "id", "hashString", "name", "status", "labels", "wanted", "seedRatioMode", "seedRatioLimit", "queuePosition", "addedDate" },
            })).GetProperty("torrents").EnumerateArray().ToList();
            Assert.Equal([1, 2, 3], torrents.Select(t => t.GetProperty("id").GetInt32()));
            Assert.Equal([seedHash, pausedHash, magnetHash], torrents.Select(t => t.GetProperty("hashString").GetString()));
            Assert.Equal("mag", torrents[2].GetProperty("name").GetString());
            Assert.Equal(0, torrents[1].GetProperty("status").GetInt32());
            Assert.Equal(0, torrents[2].GetProperty("status").GetInt32());
            Assert.Equal(["keep"], torrents[1].GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
            Assert.Equal([0, 1], torrents[1].GetProperty("wanted").EnumerateArray().Select(w => w.GetInt32()));
            Assert.Equal(1, torrents[1].GetProperty("seedRatioMode").GetInt32());
            Assert.Equal(0.5, torrents[1].GetProperty("seedRatioLimit").GetDouble());
            Assert.Equal([1, 2, 0], torrents.Select(t => t.GetProperty("queuePosition").GetInt32()));
            await daemon.WaitForStatusAsync(1, 6); // the running seed runs again
            Assert.Equal(77, (await daemon.OkAsync("session-get", new { fields = new[] { "speed-limit-up" } })).GetProperty("speed-limit-up").GetInt32());
            Assert.Equal(2, (await daemon.OkAsync("session-stats")).GetProperty("cumulative-stats").GetProperty("sessionCount").GetInt32());
            // A new torrent never reuses an id.
            var (_, more, _) = await daemon.MakeTorrentAsync("more", 62, [1000]);
            Assert.Equal(4, await daemon.AddAsync(more, paused: true));
        }
    }

    [Fact]
    public async Task An_acknowledged_add_is_committed_before_the_reply_and_a_second_connection_sees_it_with_the_next_id()
    {
        // What a kill -9 right after the reply leaves: whatever another process reads from the database file (and its WAL).
        await using var daemon = await TestDaemon.StartAsync();
        var (_, bytes, _) = await daemon.MakeTorrentAsync("acked.bin", 63, [20_000]);
        int id = await daemon.AddAsync(bytes, paused: true);
        using var other = Shoal.Daemon.Store.SessionStore.Open(daemon.StateDir);
        var row = Assert.Single(other.LoadTorrents());
        Assert.Equal(id, row.Id);
        Assert.True(row.Paused);
        Assert.Equal(bytes, row.Metainfo);
        Assert.Equal(id + 1, other.GetValue<System.Text.Json.Nodes.JsonObject>("next-id")?["Value"]?.GetValue<int>());
    }

    [Fact]
    public async Task After_a_restart_every_resumed_seed_is_seeding_on_the_first_tick_without_hashing()
    {
        // The restart path of the 1,000-torrent benchmark, in process: nothing may wait for a later tick (or a queue plan that
        // is never requested) or hash data the resume record vouches for. The fake clock is never advanced after the restart.
        using var dir = new TempDirectory("daemon-restart-seeding");
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 5, 12, 0, 0, TimeSpan.Zero));
        const int count = 12;
        await using (var daemon = await TestDaemon.StartAsync(dir, time))
        {
            for (int i = 0; i < count; i++)
            {
                var (_, bytes, _) = await daemon.MakeTorrentAsync($"seed-{i}.bin", 200 + i, [16 * 1024], complete: true);
                await daemon.AddAsync(bytes);
            }
            for (int id = 1; id <= count; id++) await daemon.WaitForStatusAsync(id, 6);
        }
        await using (var daemon = await TestDaemon.StartAsync(dir, time))
        {
            await daemon.Session.WhenIdleAsync();
            var torrents = (await daemon.OkAsync("torrent-get", new { fields = new[] { "id", "status" } })).GetProperty("torrents").EnumerateArray().ToList();
            Assert.Equal(count, torrents.Count);
            Assert.All(torrents, t => Assert.Equal(6, t.GetProperty("status").GetInt32()));
            for (int id = 1; id <= count; id++) Assert.Equal(0, daemon.Session.EngineOf(id)!.PiecesHashedAtStart);
        }
    }
}
