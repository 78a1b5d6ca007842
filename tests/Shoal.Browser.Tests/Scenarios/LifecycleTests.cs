using Microsoft.Playwright;
using Shoal.Browser.Tests.Infrastructure;
using Shoal.Metainfo;
using Shoal.Tests.Support;

namespace Shoal.Browser.Tests.Scenarios;

/// <summary>Scenario 3: stop, start, and remove with data, from the page's toolbar.</summary>
public sealed class LifecycleTests(Chromium chromium)
{
    [Fact]
    public async Task Stop_start_and_remove_with_data_from_the_toolbar()
    {
        var browser = chromium.Browser;
        using var dir = new TempDirectory("webui-lifecycle");
        await using var daemon = await DaemonProcess.StartAsync(dir.Combine("daemon"));
        // The data is already in the download folder: the daemon checks it and seeds.
        string data = dir.WriteRandomFile(Path.Combine("daemon", "downloads", "lifecycle.bin"), 300_000);
        var torrent = await new TorrentBuilder { PieceLength = 16 * 1024 }.BuildAsync(data, cancellationToken: TestContext.Current.CancellationToken);
        int id = await daemon.Rpc.AddTorrentAsync(torrent.Encode(), paused: false);

        await using var web = await WebPage.OpenAsync(browser, daemon.PageUrl);
        var row = web.Row("lifecycle.bin");
        await Assertions.Expect(row.Locator(".c-state")).ToHaveTextAsync("Seeding", new() { Timeout = 60_000 });
        await Assertions.Expect(row.Locator(".pct")).ToHaveTextAsync("100%");

        await web.SelectAsync("lifecycle.bin");
        await Assertions.Expect(row).ToHaveAttributeAsync("aria-selected", "true");
        await web.Page.Locator("#btn-stop").ClickAsync();
        await Assertions.Expect(row.Locator(".c-state")).ToHaveTextAsync("Completed");
        Assert.Equal(0, (await daemon.Rpc.GetAsync(id, "status"))?.GetProperty("status").GetInt32());

        await web.Page.Locator("#btn-start").ClickAsync();
        await Assertions.Expect(row.Locator(".c-state")).ToHaveTextAsync("Seeding");
        Assert.Equal(6, (await daemon.Rpc.GetAsync(id, "status"))?.GetProperty("status").GetInt32());
        await web.ScreenshotAsync("lifecycle-seeding");

        await web.Page.Keyboard.PressAsync("Delete");
        var dialog = web.Page.Locator("#remove-dialog");
        await Assertions.Expect(dialog).ToBeVisibleAsync();
        await Assertions.Expect(dialog.Locator("#remove-text")).ToContainTextAsync("lifecycle.bin");
        await dialog.Locator("#remove-data").CheckAsync();
        await dialog.Locator("#remove-confirm").ClickAsync();
        await Assertions.Expect(row).ToHaveCountAsync(0);
        await Assertions.Expect(web.Page.Locator("#grid-empty")).ToBeVisibleAsync();

        Assert.Equal(0, await daemon.Rpc.CountAsync());
        await Poll.UntilAsync(() => !File.Exists(data), TimeSpan.FromSeconds(15), "the data to be deleted");
        web.AssertNothingWentWrong();
    }
}
