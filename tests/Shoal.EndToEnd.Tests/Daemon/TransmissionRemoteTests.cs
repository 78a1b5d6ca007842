using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Shoal.Metainfo;
using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;
using static Shoal.EndToEnd.Tests.Robustness.ShoalProcess;

namespace Shoal.EndToEnd.Tests.Daemon;

/// <summary>
/// Debian's transmission-remote (Transmission 3.00, RPC 16) as a real client of a real `shoal daemon` process, with
/// real Shoal seeders and a Shoal tracker, all on 127.0.0.1.
/// </summary>
public sealed partial class TransmissionRemoteTests
{
    private const long Size = 2 * 1024 * 1024;

    [Fact]
    public async Task Transmission_remote_adds_lists_stops_starts_unticks_limits_and_removes()
    {
        string remote = ReferencePrograms.Require("transmission-remote");
        using var dir = new TempDirectory("daemon-remote");
        var (tracker, announce) = await StartTrackerAsync("127.0.0.1", FreePort.Next());
        await using var _ = tracker;
        string dataA = dir.WriteRandomFile("seedA/a.bin", Size, seed: 101);
        string dataB = dir.WriteRandomFile("seedB/b.bin", Size, seed: 102);
        await using var seederA = await StartSeederAsync(dataA, dir.Combine("a.torrent"), 0, extra: ["--tracker", announce, "--no-lsd"]);
        await using var seederB = await StartSeederAsync(dataB, dir.Combine("b.torrent"), 0, extra: ["--tracker", announce, "--no-lsd"]);
        string downloads = dir.Combine("downloads");
        await using var daemon = await DaemonProcess.StartAsync(dir.Combine("state"), downloads);
        string[] Remote(params string[] args)
        {
            var result = ProcessRunner.Run(remote, [daemon.Address, .. args], TimeSpan.FromSeconds(30));
            Assert.True(result.ExitCode == 0, $"transmission-remote {string.Join(' ', args)}: {result.StdErr}{result.StdOut}\n{daemon.Process.Describe()}");
            return result.StdOut.Split('\n');
        }

        // Add a .torrent (transmission-remote sends it as base64 metainfo) and a magnet link; both download from the seeders.
        Assert.Contains(Remote("-a", dir.Combine("a.torrent")), l => l.Contains("success", StringComparison.Ordinal));
        var magnet = $"magnet:?xt=urn:btih:{Torrent.Load(dir.Combine("b.torrent")).InfoHash.ToHex()}&dn=b.bin&tr={Uri.EscapeDataString(announce)}";
        Assert.Contains(Remote("-a", magnet), l => l.Contains("success", StringComparison.Ordinal));
        await daemon.WaitForStatusAsync(1, 6);
        await daemon.WaitForStatusAsync(2, 6);
        Assert.Null(ContentComparison.Differences(dataA, Path.Combine(downloads, "a.bin")));
        Assert.Null(ContentComparison.Differences(dataB, Path.Combine(downloads, "b.bin")));

        // List (a seed that exchanges nothing right now reads "Idle" in transmission-remote).
        var list = Remote("-l");
        Assert.Contains(list, l => ListRow().Match(l) is { Success: true } m && m.Groups["id"].Value == "1" && l.Contains("100%") && l.Contains("Done") && l.EndsWith("a.bin"));
        Assert.Contains(list, l => ListRow().Match(l) is { Success: true } m && m.Groups["id"].Value == "2" && l.EndsWith("b.bin"));

        // Stop and start.
        Remote("-t", "1", "-S");
        await daemon.WaitForStatusAsync(1, 0);
        Assert.Contains(Remote("-l"), l => ListRow().Match(l) is { Success: true } m && m.Groups["id"].Value == "1" && l.Contains("Stopped"));
        Remote("-t", "1", "-s");
        await daemon.WaitForStatusAsync(1, 6);

        // Untick a file of a multi-file torrent added paused (--start-paused is a session setting in transmission-remote).
        dir.WriteRandomFile("c/c/one.bin", 100_000, seed: 103);
        dir.WriteRandomFile("c/c/two.bin", 100_000, seed: 104);
        var c = await new TorrentBuilder().AddTrackers(announce).BuildAsync(dir.Combine("c", "c"), cancellationToken: TestContext.Current.CancellationToken);
        c.Save(dir.Combine("c.torrent"));
        Remote("--start-paused", "-a", dir.Combine("c.torrent"));
        Remote("--no-start-paused");
        Assert.Equal(0, (await daemon.TorrentAsync(3, "status")).GetProperty("status").GetInt32());
        Remote("-t", "3", "-G", "1");
        var files = Remote("-t", "3", "-f");
        Assert.Contains(files, l => Regex.IsMatch(l, @"^\s*0:\s+\S+\s+Normal\s+Yes\s"));
        Assert.Contains(files, l => Regex.IsMatch(l, @"^\s*1:\s+\S+\s+Normal\s+No\s"));
        Assert.Equal([1, 0], (await daemon.TorrentAsync(3, "wanted")).GetProperty("wanted").EnumerateArray().Select(w => w.GetInt32()));

        // Limits: the daemon's, then one torrent's.
        Remote("-d", "100", "-u", "50");
        var session = await daemon.Rpc.CallAsync("session-get", new JsonObject { ["fields"] = new JsonArray("speed-limit-down", "speed-limit-down-enabled", "speed-limit-up", "speed-limit-up-enabled") }, TestContext.Current.CancellationToken);
        Assert.Equal(100, session.GetProperty("speed-limit-down").GetInt32());
        Assert.True(session.GetProperty("speed-limit-down-enabled").GetBoolean());
        Assert.Equal(50, session.GetProperty("speed-limit-up").GetInt32());
        Assert.Contains(Remote("-si"), l => l.Contains("100 kB/s", StringComparison.Ordinal));
        Remote("-D", "-U");
        session = await daemon.Rpc.CallAsync("session-get", new JsonObject { ["fields"] = new JsonArray("speed-limit-down-enabled", "speed-limit-up-enabled") }, TestContext.Current.CancellationToken);
        Assert.False(session.GetProperty("speed-limit-down-enabled").GetBoolean());
        Assert.False(session.GetProperty("speed-limit-up-enabled").GetBoolean());
        Remote("-t", "2", "-d", "10");
        var limited = await daemon.TorrentAsync(2, "downloadLimit", "downloadLimited");
        Assert.Equal(10, limited.GetProperty("downloadLimit").GetInt32());
        Assert.True(limited.GetProperty("downloadLimited").GetBoolean());

        // The detail views a remote shows: info, peers, trackers.
        Assert.Contains(Remote("-t", "1", "-i"), l => l.Contains("Hash: " + Torrent.Load(dir.Combine("a.torrent")).InfoHash.ToHex(), StringComparison.Ordinal));
        Assert.Contains(Remote("-t", "1", "-it"), l => l.Contains("127.0.0.1", StringComparison.Ordinal));

        // Remove with data.
        Remote("-t", "1", "--remove-and-delete");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (File.Exists(Path.Combine(downloads, "a.bin")) && DateTime.UtcNow < deadline) await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.False(File.Exists(Path.Combine(downloads, "a.bin")));
        Assert.DoesNotContain(Remote("-l"), l => l.EndsWith("a.bin"));
        Assert.True(File.Exists(Path.Combine(downloads, "b.bin")));
    }

    [Fact]
    public async Task An_unticked_file_is_not_written()
    {
        string remote = ReferencePrograms.Require("transmission-remote");
        using var dir = new TempDirectory("daemon-untick");
        var (tracker, announce) = await StartTrackerAsync("127.0.0.1", FreePort.Next());
        await using var _ = tracker;
        dir.WriteRandomFile("seed/c/one.bin", Size, seed: 105);
        dir.WriteRandomFile("seed/c/two.bin", Size, seed: 106);
        await using var seeder = await StartSeederAsync(dir.Combine("seed", "c"), dir.Combine("c.torrent"), 0, extra: ["--tracker", announce, "--no-lsd"]);
        string downloads = dir.Combine("downloads");
        await using var daemon = await DaemonProcess.StartAsync(dir.Combine("state"), downloads);
        ProcessRunner.Run(remote, [daemon.Address, "--start-paused", "-a", dir.Combine("c.torrent")]).EnsureSuccess("add");
        ProcessRunner.Run(remote, [daemon.Address, "-t", "1", "-G", "1", "-s"]).EnsureSuccess("untick and start");
        await daemon.WaitForAsync(1, t => t.GetProperty("percentDone").GetDouble() >= 1, TimeSpan.FromSeconds(60), "finished its wanted files");
        Assert.True(File.Exists(Path.Combine(downloads, "c", "one.bin")));
        Assert.False(File.Exists(Path.Combine(downloads, "c", "two.bin")));
    }

    [GeneratedRegex(@"^\s*(?<id>\d+)\*?\s")]
    private static partial Regex ListRow();
}
