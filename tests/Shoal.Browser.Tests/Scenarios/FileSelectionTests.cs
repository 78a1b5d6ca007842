using Microsoft.Playwright;
using Shoal.Browser.Tests.Infrastructure;
using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;

namespace Shoal.Browser.Tests.Scenarios;

/// <summary>
/// Scenario 2: a multi-file .torrent dropped on the page, one file unticked in the "choose files" step before the
/// download starts; that file is never written, the others arrive whole.
/// </summary>
public sealed class FileSelectionTests(Chromium chromium)
{
    [Fact]
    public async Task A_file_unticked_before_the_start_is_never_written()
    {
        var browser = chromium.Browser;
        using var dir = new TempDirectory("webui-files");
        await using var swarm = await LoopbackSwarm.StartAsync(dir);
        // 64 KiB pieces: both boundaries of skip.bin fall inside pieces shared with the wanted files around it.
        var (_, torrentPath, data) = await swarm.MakeTorrentAsync("album",
            [("01 keep.bin", 300_000), ("02 skip.bin", 200_000), ("03 keep.bin", 300_000)]);
        await swarm.SeedAsync(torrentPath);
        await using var daemon = await DaemonProcess.StartAsync(dir.Combine("daemon"));

        await using var web = await WebPage.OpenAsync(browser, daemon.PageUrl);
        await DropFileAsync(web.Page, torrentPath);
        var add = web.Page.Locator("#add-dialog");
        await Assertions.Expect(add).ToBeVisibleAsync();
        await Assertions.Expect(add.Locator("#add-file-list")).ToContainTextAsync("album");
        await add.Locator("#add-choose").CheckAsync();
        await add.Locator("#add-submit").ClickAsync();

        var chooser = web.Page.Locator("#files-dialog");
        await Assertions.Expect(chooser).ToBeVisibleAsync();
        var skip = chooser.GetByRole(AriaRole.Checkbox, new() { Name = "Download 02 skip.bin" });
        await Assertions.Expect(skip).ToBeCheckedAsync();
        await skip.UncheckAsync();
        await Assertions.Expect(chooser.GetByRole(AriaRole.Checkbox, new() { Name = "Download album" })).ToHaveJSPropertyAsync("indeterminate", true);
        await Assertions.Expect(chooser.Locator("#files-total")).ToContainTextAsync("600 kB of 800 kB");
        await web.ScreenshotAsync("choose-files");
        await chooser.Locator("#files-start").ClickAsync();
        await Assertions.Expect(chooser).ToBeHiddenAsync();

        var row = web.Row("album");
        await Assertions.Expect(row.Locator(".pct")).ToHaveTextAsync("100%", new() { Timeout = 120_000 });
        await web.OpenDetailsAsync("album", "files");
        await Assertions.Expect(web.Page.Locator("#panel-files")).ToContainTextAsync("600 kB of 800 kB wanted");
        await web.ScreenshotAsync("details-files");

        string target = Path.Combine(daemon.DownloadDirectory, "album");
        // 100% is shown once the pieces verified; the files take their own names (from .part) a moment later.
        var renamed = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!(File.Exists(Path.Combine(target, "01 keep.bin")) && File.Exists(Path.Combine(target, "03 keep.bin"))) && DateTime.UtcNow < renamed)
            await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.Null(ContentComparison.Differences(Path.Combine(data, "01 keep.bin"), Path.Combine(target, "01 keep.bin")));
        Assert.Null(ContentComparison.Differences(Path.Combine(data, "03 keep.bin"), Path.Combine(target, "03 keep.bin")));
        Assert.False(File.Exists(Path.Combine(target, "02 skip.bin")), "the unwanted file was written");
        Assert.False(File.Exists(Path.Combine(target, "02 skip.bin.part")), "the unwanted file was started");
        web.AssertNothingWentWrong();
    }

    /// <summary>Drops a file on the page the way a file manager does: a drop event whose DataTransfer holds the file.</summary>
    private static async Task DropFileAsync(IPage page, string path)
    {
        var bytes = Convert.ToBase64String(await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken));
        var transfer = await page.EvaluateHandleAsync(@"([name, base64]) => {
            const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name, { type: 'application/x-bittorrent' }));
            return transfer;
        }", new[] { Path.GetFileName(path), bytes });
        await page.DispatchEventAsync("#grid", "dragenter", new { dataTransfer = transfer });
        await page.DispatchEventAsync("#grid", "drop", new { dataTransfer = transfer });
    }
}
