using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Shoal.Browser.Tests.Infrastructure;
using Shoal.Tests.Support;

namespace Shoal.Browser.Tests.Scenarios;

/// <summary>Scenario 5: the peers and trackers tabs show the live swarm: the seeder we download from, the tracker we announced to.</summary>
public sealed partial class PeersAndTrackersTests(Chromium chromium)
{
    [GeneratedRegex(@"ago: Success, \d+ peers?")]
    private static partial Regex SuccessfulAnnounce();

    [GeneratedRegex(@"^in \d")]
    private static partial Regex InTheFuture();

    [Fact]
    public async Task The_peers_and_trackers_tabs_show_the_seeder_and_the_tracker()
    {
        var browser = chromium.Browser;
        using var dir = new TempDirectory("webui-peers");
        await using var swarm = await LoopbackSwarm.StartAsync(dir);
        var (torrent, torrentPath, _) = await swarm.MakeTorrentAsync("swarm.bin", [("swarm.bin", 12_000_000)]);
        // Capped, so the download lasts long enough to look at the peer while it sends.
        var seeder = await swarm.SeedAsync(torrentPath, uploadLimitBytesPerSecond: 400_000);
        await using var daemon = await DaemonProcess.StartAsync(dir.Combine("daemon"));
        await daemon.Rpc.AddTorrentAsync(torrent.Encode(), paused: false);

        await using var web = await WebPage.OpenAsync(browser, daemon.PageUrl);
        await web.OpenDetailsAsync("swarm.bin", "peers");
        var peer = web.Page.Locator("#panel-peers tbody tr").Filter(new() { HasText = $"127.0.0.1:{seeder.ListenPort}" });
        await Assertions.Expect(peer).ToHaveCountAsync(1, new() { Timeout = 60_000 });
        var cells = peer.Locator("td");
        await Assertions.Expect(cells.Nth(1)).ToHaveTextAsync("Shoal 0.1.0");
        // Both ends run the defaults: uTP dialled first (TCP if uTP is slower than a second), encryption preferred,
        // which between two defaults is an MSE handshake then plaintext (libtorrent's choice): "obfuscated".
        await Assertions.Expect(cells.Nth(2)).ToContainTextAsync(new Regex("uTP|TCP"));
        await Assertions.Expect(cells.Nth(2)).ToContainTextAsync("obfuscated");
        await Assertions.Expect(cells.Nth(2)).ToContainTextAsync("unchoked us");
        await Assertions.Expect(cells.Nth(2)).ToContainTextAsync("we want");
        await Assertions.Expect(cells.Nth(3)).ToHaveTextAsync(new Regex(@"^\d+(\.\d+)? [kMG]?B/s$"), new() { Timeout = 20_000 });
        await Assertions.Expect(cells.Nth(5)).ToHaveTextAsync("100%");
        await web.ScreenshotAsync("details-peers");

        await web.Page.Locator("#tab-trackers").ClickAsync();
        var tracker = web.Page.Locator("#panel-trackers tbody tr").Filter(new() { HasText = swarm.AnnounceUrl });
        await Assertions.Expect(tracker).ToHaveCountAsync(1);
        var columns = tracker.Locator("td");
        await Assertions.Expect(columns.Nth(0)).ToHaveTextAsync("1");
        await Assertions.Expect(columns.Nth(2)).ToHaveTextAsync(SuccessfulAnnounce());
        await Assertions.Expect(columns.Nth(3)).ToHaveTextAsync(new Regex(@"^[1-9]\d*$"));
        await Assertions.Expect(columns.Nth(6)).ToHaveTextAsync(InTheFuture());
        await web.ScreenshotAsync("details-trackers");
        web.AssertNothingWentWrong();
    }
}
