using Microsoft.Playwright;
using Shoal.Browser.Tests.Infrastructure;
using Shoal.Metainfo;
using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;

namespace Shoal.Browser.Tests.Scenarios;

/// <summary>Scenario 1: a magnet link pasted into the page downloads to 100% from a local Shoal seeder.</summary>
public sealed class MagnetTests(Chromium chromium)
{
    [Fact]
    public async Task A_magnet_added_from_the_page_reaches_100_percent_from_a_local_seeder()
    {
        var browser = chromium.Browser;
        using var dir = new TempDirectory("webui-magnet");
        await using var swarm = await LoopbackSwarm.StartAsync(dir);
        var (torrent, torrentPath, data) = await swarm.MakeTorrentAsync("magnet folder",
            [("first.bin", 2_500_000), (Path.Combine("inner", "second.bin"), 1_500_000)]);
        await swarm.SeedAsync(torrentPath);
        await using var daemon = await DaemonProcess.StartAsync(dir.Combine("daemon"));

        await using var web = await WebPage.OpenAsync(browser, daemon.PageUrl);
        await web.Page.Locator("#btn-add").ClickAsync();
        await web.Page.Locator("#add-magnet").FillAsync(MagnetLink.FromTorrent(torrent).ToString());
        await web.Page.Locator("#add-sequential").CheckAsync();
        await web.Page.Locator("#add-submit").ClickAsync();
        await Assertions.Expect(web.Page.Locator("#add-dialog")).ToBeHiddenAsync();

        var row = web.Row("magnet folder");
        await Assertions.Expect(row.Locator(".pct")).ToHaveTextAsync("100%", new() { Timeout = 120_000 });
        await Assertions.Expect(row.Locator(".c-state")).ToHaveTextAsync("Seeding", new() { Timeout = 30_000 });
        await Assertions.Expect(row.Locator(".c-size")).ToHaveTextAsync("4.00 MB");
        await web.ScreenshotAsync("magnet-complete");

        Assert.Null(ContentComparison.Differences(data, Path.Combine(daemon.DownloadDirectory, "magnet folder")));
        var added = (await daemon.Rpc.CallAsync("torrent-get", new { fields = new[] { "name", "sequentialDownload" } })).GetProperty("torrents")[0];
        Assert.True(added.GetProperty("sequentialDownload").GetBoolean(), "'Download in order' ticked in the add dialog reaches the torrent");
        web.AssertNothingWentWrong();
    }
}
