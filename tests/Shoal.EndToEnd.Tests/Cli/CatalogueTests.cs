using System.Text.Json;
using Shoal.EndToEnd.Tests.TrackerServer;
using Shoal.Tests.Support;

namespace Shoal.EndToEnd.Tests.Cli;

/// <summary>
/// The original program's promise, with real processes: a leecher that knows nothing but the tracker's address.
/// `shoal tracker --catalogue --catalogue-open`, `shoal seed FILE --publish`, then `shoal get --tracker URL` lists and
/// fetches it by name.
/// </summary>
public sealed class CatalogueTests
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(30);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static RunningProgram Shoal(IReadOnlyDictionary<string, string?>? environment, params string[] arguments) =>
        RunningProgram.Start("shoal " + arguments[0], "dotnet", [Path.Combine(AppContext.BaseDirectory, "Shoal.Cli.dll"), .. arguments],
            environment: environment ?? new Dictionary<string, string?> { ["SHOAL_TRACKER"] = null, ["SHOAL_CATALOGUE_KEY"] = null });

    private static async Task<(int ExitCode, RunningProgram Process)> RunAsync(IReadOnlyDictionary<string, string?>? environment, params string[] arguments)
    {
        var process = Shoal(environment, arguments);
        return (await process.WaitForExitAsync(Step), process);
    }

    /// <summary>Waits until the tracker's catalogue lists <paramref name="name"/> with a seeder (the seeder has announced).</summary>
    private static async Task WaitForSeederAsync(string catalogueUrl, string name)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + Step;
        while (true)
        {
            using var json = JsonDocument.Parse(await http.GetStringAsync(catalogueUrl, Ct));
            if (json.RootElement.GetProperty("entries").EnumerateArray()
                .Any(e => e.GetProperty("name").GetString() == name && e.GetProperty("seeders").GetInt32() > 0)) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no seeder for {name} in {catalogueUrl} within {Step}");
            await Task.Delay(200, Ct);
        }
    }

    [Fact]
    public async Task A_leecher_needs_only_the_trackers_address()
    {
        using var dir = new TempDirectory("catalogue-e2e");
        var content = dir.WriteRandomFile("seed/payload.bin", 3 * 1024 * 1024 + 12_345, seed: 11);
        var (tracker, url, port) = await TrackerCliTests.StartTrackerAsync("--catalogue", "--catalogue-open");
        await using (tracker)
        {
            await tracker.WaitForLineAsync(l => l == $"tracker: catalogue on http://127.0.0.1:{port}/catalogue (anyone who can reach it may publish)",
                Step, "catalogue line");
            await using var seeder = Shoal(null, "seed", content, "--tracker", url, "--publish", "-o", dir.Combine("payload.torrent"),
                "--bind", "127.0.0.1", "--port", "0", "--quiet");
            await seeder.WaitForLineAsync(l => l == $"  catalogue http://127.0.0.1:{port}/catalogue (published)", Step, "published line");
            await WaitForSeederAsync($"http://127.0.0.1:{port}/catalogue", "payload.bin");

            // No torrent, no name: the catalogue is listed.
            var (listed, list) = await RunAsync(null, "get", "--tracker", url);
            await using (list)
            {
                Assert.True(listed == 0, list.Describe());
                Assert.Contains($"Catalogue of http://127.0.0.1:{port}: 1 torrent", list.Lines);
                var row = Assert.Single(list.Lines, l => l.TrimStart().StartsWith("payload.bin", StringComparison.Ordinal));
                Assert.Matches(@"^\s+payload\.bin\s+3\.01 MiB\s+1\s+0\s+[0-9a-f]{12}$", row);
            }

            // SHOAL_TRACKER gives the address as well as --tracker; a name prefix picks the entry.
            var leech = dir.Combine("leech");
            var (fetched, get) = await RunAsync(new Dictionary<string, string?> { ["SHOAL_TRACKER"] = url },
                "get", "payload", "-o", leech, "--bind", "127.0.0.1", "--port", "0", "--quiet", "--idle-timeout", "30");
            await using (get)
            {
                Assert.True(fetched == 0, get.Describe() + seeder.Describe());
                Assert.Contains(get.Lines, l => l.StartsWith("done: payload.bin — all ", StringComparison.Ordinal));
            }
            Assert.Equal(await File.ReadAllBytesAsync(content, Ct), await File.ReadAllBytesAsync(Path.Combine(leech, "payload.bin"), Ct));

            var (unknown, missing) = await RunAsync(null, "get", "--tracker", url, "nothing-like-it");
            await using (missing)
            {
                Assert.Equal(2, unknown);
                Assert.Contains(missing.Lines, l => l.StartsWith($"[err] shoal: 'nothing-like-it' is not in the catalogue of http://127.0.0.1:{port}", StringComparison.Ordinal));
            }
        }
    }

    [Fact]
    public async Task Publishing_to_a_tracker_without_a_catalogue_is_one_clear_error_and_exit_code_2()
    {
        using var dir = new TempDirectory("catalogue-e2e-off");
        var content = dir.WriteRandomFile("seed/small.bin", 100_000, seed: 12);
        var (tracker, url, port) = await TrackerCliTests.StartTrackerAsync();
        await using (tracker)
        {
            var (code, seeder) = await RunAsync(null, "seed", content, "--tracker", url, "--publish", "-o", dir.Combine("small.torrent"),
                "--bind", "127.0.0.1", "--port", "0", "--quiet");
            await using (seeder)
            {
                Assert.Equal(2, code);
                var errors = seeder.Lines.Where(l => l.StartsWith("[err] ", StringComparison.Ordinal)).ToList();
                Assert.Equal($"[err] shoal: cannot publish to http://127.0.0.1:{port}/catalogue: the tracker has no catalogue (start it with: shoal tracker --catalogue)",
                    Assert.Single(errors));
            }
            var (listed, list) = await RunAsync(null, "get", "--tracker", url);
            await using (list)
            {
                Assert.Equal(2, listed);
                Assert.Contains($"[err] shoal: the tracker at http://127.0.0.1:{port} has no catalogue (start it with: shoal tracker --catalogue)", list.Lines);
            }
        }
    }

    [Fact]
    public async Task A_keyed_catalogue_takes_the_key_from_the_environment()
    {
        using var dir = new TempDirectory("catalogue-e2e-key");
        var content = dir.WriteRandomFile("seed/keyed.bin", 100_000, seed: 13);
        var (tracker, url, port) = await TrackerCliTests.StartTrackerAsync("--catalogue", "--catalogue-key", "s3cret");
        await using (tracker)
        {
            var (refused, withoutKey) = await RunAsync(null, "seed", content, "--tracker", url, "--publish", "-o", dir.Combine("keyed.torrent"),
                "--bind", "127.0.0.1", "--port", "0", "--quiet");
            await using (withoutKey)
            {
                Assert.Equal(2, refused);
                Assert.Contains(withoutKey.Lines, l => l.StartsWith($"[err] shoal: cannot publish to http://127.0.0.1:{port}/catalogue: this catalogue needs a key", StringComparison.Ordinal));
            }
            await using var seeder = Shoal(new Dictionary<string, string?> { ["SHOAL_CATALOGUE_KEY"] = "s3cret", ["SHOAL_TRACKER"] = url },
                "seed", content, "--publish", "-o", dir.Combine("keyed.torrent"), "--bind", "127.0.0.1", "--port", "0", "--quiet");
            await seeder.WaitForLineAsync(l => l == $"  catalogue http://127.0.0.1:{port}/catalogue (published)", Step, "published line");
        }
    }
}
