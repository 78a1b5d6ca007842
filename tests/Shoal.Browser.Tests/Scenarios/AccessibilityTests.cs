using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Shoal.Browser.Tests.Infrastructure;
using Shoal.Metainfo;
using Shoal.Tests.Support;

namespace Shoal.Browser.Tests.Scenarios;

/// <summary>axe-core on the list and the details views, light and dark, desktop and phone: no serious or critical violations.</summary>
public sealed class AccessibilityTests(Chromium chromium)
{
    public static TheoryData<string, string> Layouts => new()
    {
        { "desktop", "light" },
        { "desktop", "dark" },
        { "phone", "light" },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public async Task The_list_and_the_details_have_no_serious_accessibility_violations(string layout, string scheme)
    {
        var browser = chromium.Browser;
        using var dir = new TempDirectory("webui-a11y");
        await using var daemon = await DaemonProcess.StartAsync(dir.Combine("daemon"));
        foreach (var (name, size) in new[] { ("ubuntu-24.04-desktop-amd64.iso", 300_000), ("Holiday photos", 120_000), ("notes.txt", 20_000) })
        {
            string data = dir.WriteRandomFile(Path.Combine("data", name), size);
            var torrent = await new TorrentBuilder { PieceLength = 16 * 1024 }.BuildAsync(data, cancellationToken: TestContext.Current.CancellationToken);
            await daemon.Rpc.AddTorrentAsync(torrent.Encode(), paused: true, labels: name.EndsWith(".iso", StringComparison.Ordinal) ? ["linux"] : null);
        }

        await using var web = await WebPage.OpenAsync(browser, daemon.PageUrl, layout == "phone" ? WebPage.Phone : WebPage.Desktop,
            scheme == "dark" ? ColorScheme.Dark : ColorScheme.Light);
        await Assertions.Expect(web.Rows).ToHaveCountAsync(3);
        await web.SelectAsync("notes.txt");
        await AssertNoSeriousViolationsAsync(web.Page, $"list, {layout}, {scheme}");

        await web.OpenDetailsAsync("ubuntu-24.04-desktop-amd64.iso", "general");
        await AssertNoSeriousViolationsAsync(web.Page, $"details, {layout}, {scheme}");
        await web.Page.Locator("#tab-files").ClickAsync();
        await Assertions.Expect(web.Page.Locator("#panel-files .tree")).ToBeVisibleAsync();
        await AssertNoSeriousViolationsAsync(web.Page, $"files, {layout}, {scheme}");
        web.AssertNothingWentWrong();
    }

    private static async Task AssertNoSeriousViolationsAsync(IPage page, string where)
    {
        AxeResult result = await page.RunAxe();
        var serious = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        string report = string.Join("\n", serious.Select(v =>
            $"{v.Impact} {v.Id}: {v.Help} — {string.Join("; ", v.Nodes.Take(3).Select(n => string.Join(" ", n.Target)))}"));
        Assert.True(serious.Count == 0, $"{where}: axe found {serious.Count} serious or critical violations\n{report}");
    }
}
