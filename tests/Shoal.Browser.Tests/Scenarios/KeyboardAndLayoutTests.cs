using Microsoft.Playwright;
using Shoal.Browser.Tests.Infrastructure;
using Shoal.Metainfo;
using Shoal.Tests.Support;

namespace Shoal.Browser.Tests.Scenarios;

/// <summary>The page is usable with the keyboard alone, and on a phone-sized screen.</summary>
public sealed class KeyboardAndLayoutTests(Chromium chromium)
{
    private static async Task<DaemonProcess> DaemonWithThreeTorrentsAsync(TempDirectory dir)
    {
        var daemon = await DaemonProcess.StartAsync(dir.Combine("daemon"));
        foreach (var name in new[] { "alpha.bin", "beta.bin", "gamma.bin" })
        {
            string data = dir.WriteRandomFile(Path.Combine("data", name), 40_000);
            var torrent = await new TorrentBuilder { PieceLength = 16 * 1024 }.BuildAsync(data, cancellationToken: TestContext.Current.CancellationToken);
            await daemon.Rpc.AddTorrentAsync(torrent.Encode(), paused: true);
        }
        return daemon;
    }

    [Fact]
    public async Task Everything_works_from_the_keyboard()
    {
        var browser = chromium.Browser;
        using var dir = new TempDirectory("webui-keys");
        await using var daemon = await DaemonWithThreeTorrentsAsync(dir);
        await using var web = await WebPage.OpenAsync(browser, daemon.PageUrl);
        var page = web.Page;
        var keys = page.Keyboard;
        await Assertions.Expect(web.Rows).ToHaveCountAsync(3);
        string Active() => "document.activeElement.id";

        await keys.PressAsync("Tab");
        Assert.Equal("Skip to the torrent list", await page.EvaluateAsync<string>("document.activeElement.textContent"));
        await keys.PressAsync("Enter");
        Assert.Equal("grid", await page.EvaluateAsync<string>(Active()));

        await keys.PressAsync("ArrowDown");
        await Assertions.Expect(web.Row("alpha.bin")).ToHaveAttributeAsync("aria-selected", "true");
        await keys.PressAsync("Shift+ArrowDown");
        await Assertions.Expect(page.Locator("#grid-rows .row[aria-selected=true]")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("#grid")).ToHaveAttributeAsync("aria-activedescendant", new System.Text.RegularExpressions.Regex("^t-\\d+$"));
        await keys.PressAsync("Space");
        await Assertions.Expect(web.Row("beta.bin")).ToHaveAttributeAsync("aria-selected", "false");

        await keys.PressAsync("Enter");
        await Assertions.Expect(page.Locator("#details-name")).ToHaveTextAsync("beta.bin");
        Assert.Equal("tab-general", await page.EvaluateAsync<string>(Active()));
        await keys.PressAsync("ArrowRight");
        await Assertions.Expect(page.Locator("#tab-files")).ToHaveAttributeAsync("aria-selected", "true");
        await Assertions.Expect(page.Locator("#panel-files")).ToBeVisibleAsync();
        await keys.PressAsync("Escape");
        await Assertions.Expect(page.Locator("#details")).ToBeHiddenAsync();
        Assert.Equal("grid", await page.EvaluateAsync<string>(Active()));

        await keys.PressAsync("/");
        Assert.Equal("search", await page.EvaluateAsync<string>(Active()));
        await keys.TypeAsync("gam");
        await Assertions.Expect(web.Rows).ToHaveCountAsync(1);
        await Assertions.Expect(web.Row("gamma.bin")).ToHaveCountAsync(1);
        await keys.PressAsync("Escape");
        await Assertions.Expect(web.Rows).ToHaveCountAsync(3);

        await page.Locator("#grid").FocusAsync();
        await keys.PressAsync("t");
        await Assertions.Expect(page.Locator("#btn-turtle")).ToHaveAttributeAsync("aria-pressed", "true");
        await Poll.UntilAsync(async () => (await daemon.Rpc.CallAsync("session-get", new { fields = new[] { "alt-speed-enabled" } }))
            .GetProperty("alt-speed-enabled").GetBoolean(), TimeSpan.FromSeconds(10), "the turtle to be on in the daemon");
        await keys.PressAsync("t");
        await Assertions.Expect(page.Locator("#btn-turtle")).ToHaveAttributeAsync("aria-pressed", "false");

        await keys.PressAsync("a");
        await Assertions.Expect(page.Locator("#add-dialog")).ToBeVisibleAsync();
        Assert.Equal("add-magnet", await page.EvaluateAsync<string>(Active()));
        await keys.PressAsync("Escape");
        await Assertions.Expect(page.Locator("#add-dialog")).ToBeHiddenAsync();

        // Filtering dropped the selection (hidden torrents are never acted on): select one again, then Delete.
        await Assertions.Expect(page.Locator("#grid-rows .row[aria-selected=true]")).ToHaveCountAsync(0);
        await keys.PressAsync("ArrowDown");
        await keys.PressAsync("Delete");
        await Assertions.Expect(page.Locator("#remove-dialog")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#remove-text")).ToContainTextAsync("alpha.bin");
        await page.Locator("#remove-confirm").FocusAsync();
        await keys.PressAsync("Enter");
        await Assertions.Expect(web.Rows).ToHaveCountAsync(2);
        Assert.Equal(2, await daemon.Rpc.CountAsync());

        // Regression: Esc on the next remove question must not reuse the previous "Remove" answer.
        await page.Locator("#grid").FocusAsync();
        await keys.PressAsync("ArrowDown");
        await keys.PressAsync("Delete");
        await Assertions.Expect(page.Locator("#remove-text")).ToContainTextAsync("beta.bin");
        await keys.PressAsync("Escape");
        await Assertions.Expect(page.Locator("#remove-dialog")).ToBeHiddenAsync();
        await page.WaitForTimeoutAsync(1000);
        Assert.Equal(2, await daemon.Rpc.CountAsync());
        await Assertions.Expect(web.Rows).ToHaveCountAsync(2);
        web.AssertNothingWentWrong();
    }

    [Fact]
    public async Task On_a_phone_the_list_is_cards_the_filters_slide_in_and_details_fill_the_screen()
    {
        var browser = chromium.Browser;
        using var dir = new TempDirectory("webui-phone");
        await using var daemon = await DaemonWithThreeTorrentsAsync(dir);
        await using var web = await WebPage.OpenAsync(browser, daemon.PageUrl, WebPage.Phone, ColorScheme.Dark);
        var page = web.Page;
        await Assertions.Expect(web.Rows).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator("#grid-head")).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator("#sidebar")).Not.ToBeInViewportAsync();
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways");
        var box = await web.Row("alpha.bin").BoundingBoxAsync();
        Assert.True(box is { Height: >= 60 } && box.Width <= WebPage.Phone.Width, $"a row is {box?.Width}x{box?.Height}");
        await web.ScreenshotAsync("phone-list");

        await page.Locator("#btn-filters").ClickAsync();
        await Assertions.Expect(page.Locator("#sidebar")).ToBeInViewportAsync();
        await page.Locator("#state-filters button").Filter(new() { HasText = "Stopped" }).ClickAsync();
        await Assertions.Expect(page.Locator("#sidebar")).Not.ToBeInViewportAsync();
        await Assertions.Expect(web.Rows).ToHaveCountAsync(3);

        await web.Row("beta.bin").Locator(".c-name").DblClickAsync();
        var details = await page.Locator("#details").BoundingBoxAsync();
        Assert.True(details is { X: 0, Y: 0 } && details.Width == WebPage.Phone.Width, "details fill the screen");
        await web.ScreenshotAsync("phone-details");
        await page.Locator("#details-back").ClickAsync();
        await Assertions.Expect(page.Locator("#details")).ToBeHiddenAsync();
        web.AssertNothingWentWrong();
    }
}
