using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;

namespace Shoal.EndToEnd.Tests.Swarm;

/// <summary>
/// The seed program's scenario with real processes on 127.0.0.1: `shoal tracker`, one `shoal seed` and three
/// `shoal get`, for a single file and for a folder; every leecher's copy must be byte-identical.
/// </summary>
public sealed class ShoalSwarmTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Tracker_seeder_and_three_leechers_as_processes(bool folder)
    {
        using var dir = new TempDirectory("shoal-swarm");
        string content;
        if (folder)
        {
            dir.WriteRandomFile("seed/album/a.bin", 2_000_001, seed: 1);
            dir.WriteRandomFile("seed/album/nested/b.bin", 777_777, seed: 2);
            dir.WriteRandomFile("seed/album/c.txt", 12, seed: 3);
            File.WriteAllBytes(dir.Combine("seed", "album", "empty.dat"), []);
            content = dir.Combine("seed", "album");
        }
        else
        {
            content = dir.WriteRandomFile("seed/movie.bin", 7 * 1024 * 1024 + 4321, seed: 4);
        }

        await using var tracker = RunningProgram.Start("tracker", "dotnet",
            [ShoalPeer.CliPath, "tracker", "--port", "0", "--host", "127.0.0.1", "--min-interval", "1", "--interval", "5"]);
        var line = await tracker.WaitForLineAsync(l => l.StartsWith("tracker: listening on ", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "listening line");
        string announce = line.Split(' ')[3];

        string torrentPath = dir.Combine("content.torrent");
        var create = ProcessRunner.Run("dotnet", [ShoalPeer.CliPath, "create", content, "--tracker", announce, "--piece-size", "32K", "-o", torrentPath]);
        Assert.True(create.ExitCode == 0, create.StdErr + create.StdOut);

        await using var seeder = await ShoalPeer.SeedAsync(torrentPath, dir.Combine("seed"), ct: Ct);
        await seeder.WaitForCompletionAsync(TimeSpan.FromSeconds(30), Ct);
        var leechers = new List<ShoalPeer>();
        try
        {
            for (int i = 0; i < 3; i++) leechers.Add(await ShoalPeer.DownloadAsync(torrentPath, dir.Combine($"leech{i}"), ct: Ct));
            await Task.WhenAll(leechers.Select(l => l.WaitForCompletionAsync(TimeSpan.FromSeconds(60), Ct)));
        }
        finally
        {
            foreach (var leecher in leechers) await leecher.DisposeAsync();
        }
        string name = Path.GetFileName(content);
        for (int i = 0; i < 3; i++)
        {
            var differences = ContentComparison.Differences(content, dir.Combine($"leech{i}", name));
            Assert.True(differences is null, $"leecher {i}: {differences}\n{leechers[i].Describe()}");
        }
    }
}
