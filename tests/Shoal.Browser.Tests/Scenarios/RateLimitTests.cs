using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Shoal.Browser.Tests.Infrastructure;
using Shoal.Tests.Support;

namespace Shoal.Browser.Tests.Scenarios;

/// <summary>Scenario 4: a download limit set in the page is what the transfer then runs at.</summary>
public sealed partial class RateLimitTests(Chromium chromium)
{
    /// <summary>In the RPC's speed unit (session-get units.speed-bytes: 1000 bytes for Transmission's kB/s).</summary>
    private const int Limit = 200;

    [GeneratedRegex(@"^(\d+(?:\.\d+)?) ([kMG]?)B/s$")]
    private static partial Regex RateText();

    [Fact]
    public async Task The_download_rate_follows_a_limit_set_in_the_page()
    {
        var browser = chromium.Browser;
        using var dir = new TempDirectory("webui-limit");
        await using var swarm = await LoopbackSwarm.StartAsync(dir);
        var (torrent, torrentPath, _) = await swarm.MakeTorrentAsync("limited.bin", [("limited.bin", 32_000_000)]);
        var seeder = await swarm.SeedAsync(torrentPath, uploadLimitBytesPerSecond: 1_500_000);
        await using var daemon = await DaemonProcess.StartAsync(dir.Combine("daemon"));
        int id = await daemon.Rpc.AddTorrentAsync(torrent.Encode(), paused: false);

        var units = (await daemon.Rpc.CallAsync("session-get", new { fields = new[] { "units" } })).GetProperty("units");
        int unit = units.GetProperty("speed-bytes").GetInt32();
        double limitBytes = Limit * unit;

        await using var web = await WebPage.OpenAsync(browser, daemon.PageUrl);
        await web.OpenDetailsAsync("limited.bin", "general");
        // Unlimited first: the seeder's cap (1.5 MB/s) is what the download gets.
        await Poll.UntilAsync(async () => await RateAsync(daemon, id, TimeSpan.FromSeconds(2)) > 3 * limitBytes,
            TimeSpan.FromSeconds(60), $"the download to run well above {limitBytes} B/s before the limit");

        await web.Page.Locator("#limit-down").FillAsync(Limit.ToString(CultureInfo.InvariantCulture));
        await web.Page.Locator("#limit-down").PressAsync("Tab");
        await Assertions.Expect(web.Page.Locator("#limit-down-on")).ToBeCheckedAsync();
        await Poll.UntilAsync(async () =>
        {
            var t = await daemon.Rpc.GetAsync(id, "downloadLimited", "downloadLimit");
            return t?.GetProperty("downloadLimited").GetBoolean() == true && t?.GetProperty("downloadLimit").GetInt32() == Limit;
        }, TimeSpan.FromSeconds(10), "the daemon to hold the torrent's new limit");

        await Task.Delay(TimeSpan.FromSeconds(4), TestContext.Current.CancellationToken); // the limiter's bucket drains
        double limited = await RateAsync(daemon, id, TimeSpan.FromSeconds(8));
        Assert.InRange(limited, 0.6 * limitBytes, 1.2 * limitBytes);

        var shown = RateText().Match(await web.Row("limited.bin").Locator(".c-down").InnerTextAsync());
        Assert.True(shown.Success, "the Down column shows a rate");
        double shownBytes = double.Parse(shown.Groups[1].Value, CultureInfo.InvariantCulture) * shown.Groups[2].Value switch { "M" => unit * unit, "k" => unit, _ => 1 };
        Assert.InRange(shownBytes, 0.5 * limitBytes, 1.3 * limitBytes);
        await web.ScreenshotAsync("download-limit");
        web.AssertNothingWentWrong();
        GC.KeepAlive(seeder);
    }

    /// <summary>Bytes per second downloaded over <paramref name="span"/>, from the daemon's own counter.</summary>
    private static async Task<double> RateAsync(DaemonProcess daemon, int id, TimeSpan span)
    {
        long before = (await daemon.Rpc.GetAsync(id, "downloadedEver"))!.Value.GetProperty("downloadedEver").GetInt64();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Task.Delay(span, TestContext.Current.CancellationToken);
        long after = (await daemon.Rpc.GetAsync(id, "downloadedEver"))!.Value.GetProperty("downloadedEver").GetInt64();
        return (after - before) / clock.Elapsed.TotalSeconds;
    }
}
