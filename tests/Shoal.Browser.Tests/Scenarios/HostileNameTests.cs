using Microsoft.Playwright;
using Shoal.Browser.Tests.Infrastructure;
using Shoal.Metainfo;
using Shoal.Tests.Support;

namespace Shoal.Browser.Tests.Scenarios;

/// <summary>
/// Scenario 6: strings from a torrent are shown as text, never parsed as HTML. A name, a comment and a label carrying
/// markup that would run script if it reached innerHTML appear literally, and nothing runs.
/// </summary>
public sealed class HostileNameTests(Chromium chromium)
{
    private const string HostileName = "<img src=x onerror=alert(1)>";
    private const string HostileComment = "<script>alert(2)</script><b>bold?</b>";
    private const string HostileLabel = "<svg onload=alert(3)>";

    [Fact]
    public async Task A_torrent_named_like_an_html_tag_is_shown_as_text_and_runs_nothing()
    {
        var browser = chromium.Browser;
        using var dir = new TempDirectory("webui-hostile");
        string data = dir.WriteRandomFile(HostileName, 100_000);
        var builder = new TorrentBuilder { PieceLength = 16 * 1024, Comment = HostileComment };
        builder.AddTrackers("http://127.0.0.1:9/announce?x=<i>tracker</i>");
        var torrent = await builder.BuildAsync(data, cancellationToken: TestContext.Current.CancellationToken);
        await using var daemon = await DaemonProcess.StartAsync(dir.Combine("daemon"));
        int id = await daemon.Rpc.AddTorrentAsync(torrent.Encode(), paused: true, labels: [HostileLabel]);

        await using var web = await WebPage.OpenAsync(browser, daemon.PageUrl);
        var row = web.Row(HostileName);
        await Assertions.Expect(row.Locator(".name-text")).ToHaveTextAsync(HostileName);
        await Assertions.Expect(row.Locator(".c-label")).ToHaveTextAsync(HostileLabel);
        await Assertions.Expect(web.Page.Locator("#label-filters")).ToContainTextAsync(HostileLabel);

        await web.OpenDetailsAsync(HostileName, "general");
        await Assertions.Expect(web.Page.Locator("#details-name")).ToHaveTextAsync(HostileName);
        await Assertions.Expect(web.Page.Locator("#panel-general .comment")).ToHaveTextAsync(HostileComment);
        await web.Page.Locator("#tab-files").ClickAsync();
        await Assertions.Expect(web.Page.Locator("#panel-files .tree")).ToContainTextAsync(HostileName);
        await web.Page.Locator("#tab-trackers").ClickAsync();
        await Assertions.Expect(web.Page.Locator("#panel-trackers table")).ToContainTextAsync("<i>tracker</i>");
        // Two more updates of the list and the details: anything injected would have run by now.
        await web.Page.WaitForTimeoutAsync(4500);

        Assert.Equal(0, await web.Page.Locator("img, svg[onload], b").CountAsync());
        Assert.Equal(1, await web.Page.EvaluateAsync<int>("document.scripts.length"));
        Assert.Equal(id, (await daemon.Rpc.GetAsync(id))?.GetProperty("id").GetInt32());
        await web.ScreenshotAsync("hostile-name");
        web.AssertNothingWentWrong();
    }
}
