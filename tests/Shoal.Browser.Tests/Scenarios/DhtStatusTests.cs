using Microsoft.Playwright;
using Shoal.Browser.Tests.Infrastructure;
using Shoal.Tests.Support;

namespace Shoal.Browser.Tests.Scenarios;

/// <summary>The status bar says whether the DHT runs and how many nodes it knows (session-stats dhtNodes).</summary>
public sealed class DhtStatusTests(Chromium chromium)
{
    [Fact]
    public async Task The_status_bar_follows_the_dht_switched_off_and_on()
    {
        using var dir = new TempDirectory("webui-dht");
        // The daemon's DHT is on by default; under the tests' network-safety rule it has no bootstrap node, so no nodes.
        await using var daemon = await DaemonProcess.StartAsync(dir.Combine("daemon"));
        await using var web = await WebPage.OpenAsync(chromium.Browser, daemon.PageUrl);
        var status = web.Page.Locator("#dht-status");
        await Assertions.Expect(status).ToHaveTextAsync("DHT: 0 nodes");

        await daemon.Rpc.CallAsync("session-set", new Dictionary<string, object> { ["dht-enabled"] = false });
        await Assertions.Expect(status).ToHaveTextAsync("DHT off", new() { Timeout = 10_000 });
        await daemon.Rpc.CallAsync("session-set", new Dictionary<string, object> { ["dht-enabled"] = true });
        await Assertions.Expect(status).ToHaveTextAsync("DHT: 0 nodes", new() { Timeout = 10_000 });
        web.AssertNothingWentWrong();
    }
}
