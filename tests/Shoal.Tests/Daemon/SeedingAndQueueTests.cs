namespace Shoal.Tests.Daemon;

public sealed class SeedingAndQueueTests
{
    [Fact]
    public async Task A_seed_idle_for_its_idle_limit_stops_and_is_finished()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var (_, bytes, _) = await daemon.MakeTorrentAsync("idle.bin", 70, [20_000], complete: true);
        int id = await daemon.AddAsync(bytes);
        await daemon.WaitForStatusAsync(id, 6);
        await daemon.OkAsync("torrent-set", new { ids = id, seedIdleMode = 1, seedIdleLimit = 5 });
        var before = await daemon.GetAsync(id, "etaIdle");
        Assert.Equal(300, before.GetProperty("etaIdle").GetInt64());
        daemon.Time.Advance(TimeSpan.FromMinutes(4));
        await daemon.Session.WhenIdleAsync();
        Assert.Equal(6, (await daemon.GetAsync(id, "status")).GetProperty("status").GetInt32());
        daemon.Time.Advance(TimeSpan.FromMinutes(1));
        await daemon.WaitForStatusAsync(id, 0);
        Assert.True((await daemon.GetAsync(id, "isFinished")).GetProperty("isFinished").GetBoolean());
        // Starting it again clears "finished" (and it would stop again after the next idle period).
        await daemon.OkAsync("torrent-start", new { ids = id });
        await daemon.WaitForStatusAsync(id, 6);
        Assert.False((await daemon.GetAsync(id, "isFinished")).GetProperty("isFinished").GetBoolean());
    }

    [Fact]
    public async Task The_session_idle_limit_applies_to_torrents_that_follow_the_session()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var (_, bytes, _) = await daemon.MakeTorrentAsync("global.bin", 71, [20_000], complete: true);
        int id = await daemon.AddAsync(bytes);
        await daemon.WaitForStatusAsync(id, 6);
        await daemon.OkAsync("session-set", new Dictionary<string, object> { ["idle-seeding-limit"] = 2, ["idle-seeding-limit-enabled"] = true });
        daemon.Time.Advance(TimeSpan.FromMinutes(2));
        await daemon.WaitForStatusAsync(id, 0);
    }

    [Fact]
    public async Task The_download_queue_runs_at_most_its_size_and_starts_the_next_when_one_stops()
    {
        await using var daemon = await TestDaemon.StartAsync();
        await daemon.OkAsync("session-set", new Dictionary<string, object> { ["download-queue-size"] = 1 });
        int a = await daemon.AddAsync((await daemon.MakeTorrentAsync("qa", 72, [20_000])).Bytes);
        int b = await daemon.AddAsync((await daemon.MakeTorrentAsync("qb", 73, [20_000])).Bytes);
        await daemon.WaitForStatusAsync(a, 4);
        await daemon.WaitForStatusAsync(b, 3); // queued to download
        // Seeds are not held back by the download queue.
        int seed = await daemon.AddAsync((await daemon.MakeTorrentAsync("qs.bin", 74, [20_000], complete: true)).Bytes);
        await daemon.WaitForStatusAsync(seed, 6);
        await daemon.OkAsync("torrent-stop", new { ids = a });
        await daemon.WaitForStatusAsync(b, 4);
        // "start now" skips the queue.
        await daemon.OkAsync("torrent-start-now", new { ids = a });
        await daemon.WaitForStatusAsync(a, 4);
        await daemon.WaitForStatusAsync(b, 4);
    }

    [Fact]
    public async Task The_seed_queue_holds_back_seeds_beyond_its_size()
    {
        await using var daemon = await TestDaemon.StartAsync();
        await daemon.OkAsync("session-set", new Dictionary<string, object> { ["seed-queue-enabled"] = true, ["seed-queue-size"] = 1 });
        int a = await daemon.AddAsync((await daemon.MakeTorrentAsync("sa.bin", 75, [20_000], complete: true)).Bytes);
        await daemon.WaitForStatusAsync(a, 6);
        int b = await daemon.AddAsync((await daemon.MakeTorrentAsync("sb.bin", 76, [20_000], complete: true)).Bytes, paused: true);
        // Its completeness is known only once checked: it starts, is found complete, and from then on counts as a seed.
        await daemon.OkAsync("torrent-verify", new { ids = b });
        await daemon.Session.WhenIdleAsync();
        await daemon.OkAsync("torrent-start", new { ids = b });
        await daemon.WaitForStatusAsync(b, 5); // queued to seed
        await daemon.OkAsync("torrent-stop", new { ids = a });
        await daemon.WaitForStatusAsync(b, 6);
    }
}
