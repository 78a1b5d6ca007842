using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;
using static Shoal.EndToEnd.Tests.Robustness.ShoalProcess;

namespace Shoal.EndToEnd.Tests.Robustness;

/// <summary>
/// The seed program's promise "robust to peer restarts and tracker restarts", with kill -9 (no chance to save or say
/// goodbye): a leecher resumes and fetches only what it lacks; a tracker restarted on its --db keeps the swarm; leechers
/// reconnect to a restarted seeder. Seeders are throttled with --upload-limit so "half-way" can be watched in --json.
/// </summary>
public sealed class RestartTests
{
    private const long Size = 6 * 1024 * 1024;

    [Fact]
    public async Task A_leecher_killed_half_way_resumes_and_downloads_only_what_it_lacks()
    {
        using var dir = new TempDirectory("restart-leecher");
        string data = dir.WriteRandomFile("seed/data.bin", Size, seed: 21);
        string torrent = dir.Combine("data.torrent");
        int seedPort = FreePort.Next();
        await using var seeder = await StartSeederAsync(data, torrent, seedPort, extra: ["--upload-limit", "1M"]);
        string[] args = ["--peer", $"127.0.0.1:{seedPort}", "--idle-timeout", "30"];
        string target = dir.Combine("leech");

        await using (var first = StartLeecher("leecher", torrent, target, args))
        {
            await first.WaitForProgressAsync(0.5, TimeSpan.FromSeconds(30));
            await first.KillHardAsync();
        }
        BadInputTests.AssertNothingLooksComplete(target, "data.bin");
        Assert.True(File.Exists(Path.Combine(target, "data.bin.part")));

        await using var second = StartLeecher("leecher-again", torrent, target, args);
        var done = await second.WaitForCompleteAsync(TimeSpan.FromSeconds(30));
        long downloaded = done.GetProperty("downloaded").GetInt64();
        Assert.True(downloaded > 0 && downloaded < Size * 0.6, $"the restarted leecher downloaded {downloaded} of {Size} bytes\n{second.Describe()}");
        Assert.Equal(0, await second.WaitForExitAsync(TimeSpan.FromSeconds(15)));
        Assert.Null(ContentComparison.Differences(data, Path.Combine(target, "data.bin")));
    }

    [Fact]
    public async Task A_tracker_killed_and_restarted_on_its_db_keeps_the_swarm_going_and_new_leechers_find_the_seeder()
    {
        using var dir = new TempDirectory("restart-tracker");
        string data = dir.WriteRandomFile("seed/data.bin", Size, seed: 22);
        string torrent = dir.Combine("data.torrent");
        string db = dir.Combine("tracker.db");
        int trackerPort = FreePort.Next();
        // The default (long) announce interval: after the restart, only the database can tell the tracker about the seeder.
        var (tracker, announce) = await StartTrackerAsync("127.0.0.1", trackerPort, extra: ["--db", db]);
        try
        {
            await using var seeder = await StartSeederAsync(data, torrent, 0, extra: ["--tracker", announce, "--upload-limit", "1M"]);
            await using var first = StartLeecher("leecher", torrent, dir.Combine("leech1"), "--idle-timeout", "30");
            await first.WaitForProgressAsync(0.1, TimeSpan.FromSeconds(30));
            // The tracker writes changed swarms to its database every 2 s; give it time for one write, then pull the plug.
            await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);
            await tracker.KillHardAsync();
            await tracker.DisposeAsync();
            (tracker, _) = await StartTrackerAsync("127.0.0.1", trackerPort, extra: ["--db", db]);

            // The running leecher did not need the tracker to go on.
            await first.WaitForCompleteAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, await first.WaitForExitAsync(TimeSpan.FromSeconds(15)));

            // A leecher that knows only the torrent (and so the restarted tracker) finds the seeder.
            await using var second = StartLeecher("new-leecher", torrent, dir.Combine("leech2"), "--idle-timeout", "30");
            await second.WaitForCompleteAsync(TimeSpan.FromSeconds(40));
            Assert.Equal(0, await second.WaitForExitAsync(TimeSpan.FromSeconds(15)));
            Assert.Null(ContentComparison.Differences(data, dir.Combine("leech1", "data.bin")));
            Assert.Null(ContentComparison.Differences(data, dir.Combine("leech2", "data.bin")));
        }
        finally
        {
            await tracker.DisposeAsync();
        }
    }

    [Fact]
    public async Task Leechers_reconnect_to_a_seeder_killed_and_restarted_on_the_same_port_and_finish()
    {
        using var dir = new TempDirectory("restart-seeder");
        string data = dir.WriteRandomFile("seed/data.bin", Size, seed: 23);
        string torrent = dir.Combine("data.torrent");
        int seedPort = FreePort.Next();
        // No tracker: the leechers can only find the seeder again by redialling the address they were given.
        string[] args = ["--peer", $"127.0.0.1:{seedPort}", "--idle-timeout", "30"];
        var seeder = await StartSeederAsync(data, torrent, seedPort, extra: ["--upload-limit", "2M"]);
        try
        {
            await using var first = StartLeecher("leecher1", torrent, dir.Combine("leech1"), args);
            await using var second = StartLeecher("leecher2", torrent, dir.Combine("leech2"), args);
            await first.WaitForProgressAsync(0.25, TimeSpan.FromSeconds(30));
            await seeder.KillHardAsync();
            await seeder.DisposeAsync();
            await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
            seeder = await StartSeederAsync(data, torrent, seedPort, extra: ["--upload-limit", "2M"]);

            await Task.WhenAll(first.WaitForCompleteAsync(TimeSpan.FromSeconds(45)), second.WaitForCompleteAsync(TimeSpan.FromSeconds(45)));
            Assert.Null(ContentComparison.Differences(data, dir.Combine("leech1", "data.bin")));
            Assert.Null(ContentComparison.Differences(data, dir.Combine("leech2", "data.bin")));
        }
        finally
        {
            await seeder.DisposeAsync();
        }
    }
}
