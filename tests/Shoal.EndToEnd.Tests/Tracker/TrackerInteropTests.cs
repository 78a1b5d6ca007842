using System.Text.Json;
using Shoal.Bencoding;
using Shoal.Metainfo;
using Shoal.Tests.Support;
using Shoal.Tracker;

namespace Shoal.EndToEnd.Tests.Tracker;

/// <summary>
/// Reference clients use Shoal's tracker, and nothing else, to find each other: DHT, LSD, PEX are off and no peer is
/// added by hand, so a completed transfer proves both announced and got the other's address. Configured per INTEROP.md.
/// </summary>
[Trait("Category", "Interop")]
public class TrackerInteropTests
{
    public enum Program { Libtorrent, Transmission, Aria2 }

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public static TheoryData<Program, Program, string> Pairs => new()
    {
        { Program.Libtorrent, Program.Libtorrent, "http" },
        { Program.Libtorrent, Program.Libtorrent, "udp" },
        // aria2 1.36 speaks UDP trackers only through its DHT socket ("udp is not supported yet" with DHT off, which
        // INTEROP.md requires), so it is tested over HTTP only.
        { Program.Libtorrent, Program.Aria2, "http" },
        // Transmission never dials loopback peers but accepts them: it seeds, libtorrent dials it.
        { Program.Transmission, Program.Libtorrent, "http" },
        { Program.Transmission, Program.Libtorrent, "udp" },
    };

    [Theory]
    [MemberData(nameof(Pairs))]
    public async Task Transfer_completes_with_only_shoals_tracker_for_discovery(Program seeder, Program leecher, string protocol)
    {
        Require(seeder);
        Require(leecher);
        var mktorrent = ReferencePrograms.Require("mktorrent");
        using var dir = new TempDirectory("tracker-interop");
        await using var tracker = await TrackerServer.StartAsync(new TrackerOptions
        {
            Host = "127.0.0.1",
            Port = 0,
            AnnounceInterval = TimeSpan.FromSeconds(5),
            MinAnnounceInterval = TimeSpan.FromSeconds(1),
            PeerTimeout = TimeSpan.FromMinutes(5),
        }, cancellationToken: TestContext.Current.CancellationToken);
        var announceUrl = protocol == "udp" ? tracker.UdpAnnounceUrl : tracker.HttpAnnounceUrl;

        var seedDir = dir.Combine("seed");
        var content = dir.WriteRandomFile("seed/payload.bin", 3 * 1024 * 1024 + 12345, seed: 7);
        var torrent = dir.Combine("payload.torrent");
        ProcessRunner.Run(mktorrent, ["-a", announceUrl, "-l", "16", "-o", torrent, content], TimeSpan.FromSeconds(60))
            .EnsureSuccess("mktorrent");
        var hash = InfoHashOf(torrent);

        await using var seed = await StartAsync(seeder, torrent, seedDir, dir, "seeder");
        // The seeder's announce must reach the tracker over the chosen protocol before the leecher asks for peers.
        await WaitUntilAsync(() => tracker.Registry.Scrape(hash).Seeders == 1, $"{seeder} to register as a seeder", seed);
        Assert.True(protocol == "udp" ? tracker.Counters.UdpAnnounces > 0 : tracker.Counters.HttpAnnounces > 0);

        var leechDir = dir.Combine("leech");
        Directory.CreateDirectory(leechDir);
        await using var leech = await StartAsync(leecher, torrent, leechDir, dir, "leecher");
        if (leecher == Program.Aria2)
            Assert.Equal(0, await leech.WaitForExitAsync(Patience));
        else
            await leech.WaitForLineAsync(line => line == "finished", Patience, "download finished");

        var original = await File.ReadAllBytesAsync(content, TestContext.Current.CancellationToken);
        var downloaded = await File.ReadAllBytesAsync(Path.Combine(leechDir, "payload.bin"), TestContext.Current.CancellationToken);
        Assert.True(original.AsSpan().SequenceEqual(downloaded), "downloaded file differs from the original");
        Assert.True(tracker.Counters.Announces >= 2);
    }

    private static void Require(Program program)
    {
        switch (program)
        {
            case Program.Libtorrent: ReferencePrograms.RequireLibtorrent(); break;
            case Program.Transmission: ReferencePrograms.Require("transmission-cli"); break;
            case Program.Aria2: ReferencePrograms.Require("aria2c"); break;
        }
    }

    private static async Task<RunningProgram> StartAsync(Program program, string torrent, string dataDir, TempDirectory dir, string role)
    {
        int port = FreePort.Next();
        switch (program)
        {
            case Program.Libtorrent:
            {
                var script = Path.Combine(AppContext.BaseDirectory, "Tracker", "tracker_lt_peer.py");
                var lt = RunningProgram.Start($"libtorrent {role}", ReferencePrograms.DebianPython,
                    [script, "--torrent", torrent, "--save", dataDir, "--port", port.ToString()]);
                await lt.WaitForLineAsync(line => line.StartsWith("listening "), TimeSpan.FromSeconds(30), "listening");
                return lt;
            }
            case Program.Aria2:
                return RunningProgram.Start($"aria2 {role}", "aria2c",
                [
                    "--no-conf", "--enable-dht=false", "--enable-dht6=false", "--bt-enable-lpd=false", "--enable-peer-exchange=false",
                    "--interface=127.0.0.1", "--disable-ipv6=true", "--file-allocation=none", $"--listen-port={port}",
                    $"--dir={dataDir}", "--seed-time=0", "--summary-interval=0", "--console-log-level=notice", torrent,
                ]);
            default:
            {
                var config = dir.Combine($"transmission-{role}");
                Directory.CreateDirectory(config);
                var settings = new Dictionary<string, object>
                {
                    ["dht-enabled"] = false, ["lpd-enabled"] = false, ["pex-enabled"] = false, ["utp-enabled"] = false,
                    ["port-forwarding-enabled"] = false, ["bind-address-ipv4"] = "127.0.0.1", ["bind-address-ipv6"] = "::1",
                    ["rpc-enabled"] = false, ["peer-port"] = port, ["peer-port-random-on-start"] = false, ["download-dir"] = dataDir,
                    ["incomplete-dir-enabled"] = false, ["ratio-limit-enabled"] = false, ["message-level"] = 2,
                };
                await File.WriteAllTextAsync(Path.Combine(config, "settings.json"), JsonSerializer.Serialize(settings));
                return RunningProgram.Start($"transmission {role}", "transmission-cli",
                    ["-g", config, "-w", dataDir, "-p", port.ToString(), "-v", torrent]);
            }
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what, RunningProgram program)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (program.HasExited) throw new InvalidOperationException($"exited before {what}\n{program.Describe()}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no {what} within {Patience}\n{program.Describe()}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    private static InfoHash InfoHashOf(string torrentPath)
    {
        var bytes = File.ReadAllBytes(torrentPath);
        var reader = new BencodeReader(bytes);
        reader.ReadDictionaryStart();
        while (!reader.TryReadEnd())
        {
            var key = reader.ReadString();
            if (key.SequenceEqual("info"u8)) return InfoHash.Compute(reader.ReadRawValue());
            reader.SkipValue();
        }
        throw new InvalidDataException("torrent without info dictionary");
    }
}
