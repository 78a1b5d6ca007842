using Shoal.EndToEnd.Tests.Discovery;
using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;
using static Shoal.EndToEnd.Tests.Robustness.ShoalProcess;

namespace Shoal.EndToEnd.Tests.Robustness;

/// <summary>
/// The seed program's promise "works across machines in the same network", with three machines made of network
/// namespaces on one bridge (10.77.X.0/24, no default route: nothing can leave them): `shoal tracker` on the first,
/// `shoal seed` on the second (tracker from $SHOAL_TRACKER, --announce-ip auto), `shoal get` on the third, each on its
/// default port as on real machines. Local discovery is off, so the tracker is the only way the peers meet.
/// Needs root; skipped with the reason elsewhere, except under CI=true (CI runs as root).
/// </summary>
[Trait("Category", "Netns")]
public sealed class LanTests
{
    [Fact]
    public async Task Tracker_seeder_and_leecher_on_three_hosts_of_a_lan()
    {
        var lab = NetnsLab.TryCreate(3, out var why);
        if (lab is null) ReferencePrograms.Unavailable(why!);
        using (lab)
        {
            using var dir = new TempDirectory("lan");
            string data = dir.WriteRandomFile("seed/movie.bin", 5 * 1024 * 1024 + 321, seed: 31);
            string torrent = dir.Combine("movie.bin.torrent");
            string trackerHost = lab!.AddressOf(0).ToString(), seederHost = lab.AddressOf(1).ToString(), leecherHost = lab.AddressOf(2).ToString();

            var (tracker, announce) = await StartTrackerAsync(trackerHost, 9090, lab.Hosts[0], "--interval", "2", "--min-interval", "1");
            await using (tracker)
            {
                Assert.Equal($"http://{trackerHost}:9090/announce", announce);
                await using var seeder = Start("seeder", ["seed", data, "-o", torrent, "--announce-ip", "auto", "--json", "--verbose", "--no-lsd"],
                    lab.Hosts[1], [$"SHOAL_TRACKER={announce}"]);
                await seeder.WaitForJsonAsync(j => j.GetProperty("state").GetString() == "seeding", TimeSpan.FromSeconds(60), "seeding");

                await using var leecher = Start("leecher", ["get", torrent, "-o", dir.Combine("leech"), "--json", "--verbose", "--no-lsd", "--idle-timeout", "30"], lab.Hosts[2]);
                await leecher.WaitForCompleteAsync(TimeSpan.FromSeconds(40));
                Assert.Equal(0, await leecher.WaitForExitAsync(TimeSpan.FromSeconds(15)));

                var differences = ContentComparison.Differences(data, dir.Combine("leech", "movie.bin"));
                Assert.True(differences is null, $"{differences}\n{leecher.Describe()}");
                // The leecher learned the seeder's LAN address from the tracker and dialled it there (on the seeder's
                // default port); the seeder saw it come from the leecher's machine. No connection went over loopback.
                Assert.True(leecher.StdErr.Any(l => l.Contains($"connected to {seederHost}:8001 ", StringComparison.Ordinal)), ConnectLines(leecher));
                Assert.True(seeder.StdErr.Any(l => l.Contains($"connected to {leecherHost}:", StringComparison.Ordinal)), ConnectLines(seeder));
                Assert.DoesNotContain(leecher.StdErr.Concat(seeder.StdErr), l => l.Contains("connected to 127.", StringComparison.Ordinal));
            }
        }
    }

    [Fact]
    public async Task A_seeder_on_the_tracker_machine_announcing_to_localhost_is_handed_out_at_its_lan_address()
    {
        var lab = NetnsLab.TryCreate(3, out var why);
        if (lab is null) ReferencePrograms.Unavailable(why!);
        using (lab)
        {
            using var dir = new TempDirectory("lan-local-seeder");
            string data = dir.WriteRandomFile("seed/movie.bin", 2 * 1024 * 1024 + 5, seed: 32);
            string torrent = dir.Combine("movie.bin.torrent");
            string trackerHost = lab!.AddressOf(0).ToString(), leecherHost = lab.AddressOf(2).ToString();

            // The tracker listens on every interface of its machine; the seeder beside it reaches it over loopback, so
            // the tracker sees 127.0.0.1 — --announce-ip auto tells it the address the rest of the LAN can use.
            var (tracker, _) = await StartTrackerAsync("0.0.0.0", 9090, lab.Hosts[0], "--interval", "2", "--min-interval", "1");
            await using (tracker)
            {
                await tracker.WaitForLineAsync(l => l == $"tracker: other machines announce to http://{trackerHost}:9090/announce",
                    TimeSpan.FromSeconds(10), "the tracker's LAN address");
                await using var seeder = Start("seeder", ["seed", data, "-o", torrent, "--tracker", "http://127.0.0.1:9090/announce",
                    "--announce-ip", "auto", "--json", "--verbose", "--no-lsd"], lab.Hosts[0]);
                await seeder.WaitForJsonAsync(j => j.GetProperty("state").GetString() == "seeding", TimeSpan.FromSeconds(60), "seeding");

                await using var leecher = Start("leecher", ["get", torrent, "-o", dir.Combine("leech"), "--tracker", $"http://{trackerHost}:9090/announce",
                    "--json", "--verbose", "--no-lsd", "--idle-timeout", "30"], lab.Hosts[2]);
                await leecher.WaitForCompleteAsync(TimeSpan.FromSeconds(40));
                Assert.Equal(0, await leecher.WaitForExitAsync(TimeSpan.FromSeconds(15)));

                var differences = ContentComparison.Differences(data, dir.Combine("leech", "movie.bin"));
                Assert.True(differences is null, $"{differences}\n{leecher.Describe()}");
                Assert.True(leecher.StdErr.Any(l => l.Contains($"connected to {trackerHost}:8001 ", StringComparison.Ordinal)), ConnectLines(leecher));
                Assert.True(seeder.StdErr.Any(l => l.Contains($"connected to {leecherHost}:", StringComparison.Ordinal)), ConnectLines(seeder));
            }
        }
    }

    /// <summary>What a process said about its connections, for a failure message.</summary>
    private static string ConnectLines(ShoalProcess process) =>
        string.Join('\n', process.StdErr.Where(l => l.Contains("connect", StringComparison.Ordinal)).TakeLast(20));
}
