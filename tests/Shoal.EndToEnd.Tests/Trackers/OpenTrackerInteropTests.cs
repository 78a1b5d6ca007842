using System.Net;
using System.Security.Cryptography;
using System.Text;
using Shoal.Metainfo;
using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;
using Shoal.Trackers;

namespace Shoal.EndToEnd.Tests.Trackers;

/// <summary>Shoal's tracker clients against a real opentracker on loopback.</summary>
[Trait("Category", "Interop")]
public class OpenTrackerInteropTests
{
    private static readonly TrackerClientOptions Options = new()
    {
        RequestTimeout = TimeSpan.FromSeconds(5),
        UdpTimeout = TimeSpan.FromSeconds(1),
        UdpMaxTimeout = TimeSpan.FromSeconds(2),
        UdpRetries = 2,
    };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static InfoHash RandomHash() => new(RandomNumberGenerator.GetBytes(InfoHash.Length));

    private static AnnounceRequest Request(InfoHash hash, string peerId, int port, long left, AnnounceEvent ev = AnnounceEvent.Started) =>
        new(hash, Encoding.ASCII.GetBytes(peerId), port, 0, 0, left, ev);

    [Theory]
    [InlineData("http")]
    [InlineData("udp")]
    public async Task Two_clients_see_each_other_and_scrape_counts_them(string scheme)
    {
        var hash = RandomHash();
        await using var tracker = await StartTrackerAsync(hash);
        var url = scheme == "http" ? new Uri(tracker.HttpAnnounceUrl) : new Uri(tracker.UdpAnnounceUrl);
        using var seeder = TrackerClientFactory.Create(url, Options);
        using var leecher = TrackerClientFactory.Create(url, Options);

        var first = await seeder.AnnounceAsync(Request(hash, "-SH0001-seeder000001", 40001, left: 0), Ct);
        var second = await leecher.AnnounceAsync(Request(hash, "-SH0001-leecher00001", 40002, left: 1000), Ct);

        Assert.DoesNotContain(new IPEndPoint(IPAddress.Loopback, 40002), first.Peers);
        Assert.Contains(new IPEndPoint(IPAddress.Loopback, 40001), second.Peers);
        Assert.True(second.Interval > TimeSpan.Zero);
        Assert.Equal(1, second.Seeders);

        var again = await seeder.AnnounceAsync(Request(hash, "-SH0001-seeder000001", 40001, left: 0, AnnounceEvent.None), Ct);
        Assert.Contains(new IPEndPoint(IPAddress.Loopback, 40002), again.Peers);

        var scrape = await leecher.ScrapeAsync(hash, Ct);
        Assert.Equal(1, scrape!.Seeders);
        Assert.Equal(1, scrape.Leechers);

        await leecher.AnnounceAsync(Request(hash, "-SH0001-leecher00001", 40002, left: 1000, AnnounceEvent.Stopped), Ct);
        scrape = await seeder.ScrapeAsync(hash, Ct);
        Assert.Equal(0, scrape!.Leechers);
    }

    [Theory]
    [InlineData("http")]
    [InlineData("udp")]
    public async Task A_torrent_off_the_whitelist_is_refused_with_the_trackers_reason(string scheme)
    {
        await using var tracker = await StartTrackerAsync(null);
        using var client = TrackerClientFactory.Create(scheme == "http" ? new Uri(tracker.HttpAnnounceUrl) : new Uri(tracker.UdpAnnounceUrl), Options);

        var e = await Assert.ThrowsAsync<TrackerException>(() => client.AnnounceAsync(Request(RandomHash(), "-SH0001-refused00001", 40003, 10), Ct));

        Assert.True(e.Kind == TrackerErrorKind.Failure, e.Message);
        // Over HTTP opentracker says why; over UDP it sends a bare header, which the client explains.
        Assert.Contains(scheme == "http" ? "refused the request: Requested download is not authorized" : "does not track this torrent", e.Message);
    }

    [Fact]
    public async Task Schedulers_over_http_and_udp_tiers_find_each_other_and_leave_cleanly()
    {
        var hash = RandomHash();
        await using var tracker = await StartTrackerAsync(hash);
        string[][] tiers = [[tracker.HttpAnnounceUrl], [tracker.UdpAnnounceUrl]];
        var found = new TaskCompletionSource<IPEndPoint>(TaskCreationOptions.RunContinuationsAsynchronously);

        await using var seeder = new AnnounceScheduler(tiers, () => Request(hash, "-SH0001-schedseed001", 40011, 0, AnnounceEvent.None), Options, TimeProvider.System);
        seeder.Start();
        await WaitFor(() => seeder.Status.All(s => s.State == TrackerState.Working), "the seeder's announces");

        await using var leecher = new AnnounceScheduler(tiers, () => Request(hash, "-SH0001-schedleech01", 40012, 5000, AnnounceEvent.None), Options, TimeProvider.System);
        leecher.PeersDiscovered += peers =>
        {
            foreach (var peer in peers) if (peer.Port == 40011) found.TrySetResult(peer);
        };
        leecher.Start();

        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 40011), await found.Task.WaitAsync(TimeSpan.FromSeconds(20), Ct));
        await WaitFor(() => leecher.Status.All(s => s.State == TrackerState.Working), "the leecher's announces");
        Assert.All(leecher.Status, s => Assert.Equal(1, s.Seeders));

        await leecher.StopAsync(TimeSpan.FromSeconds(5));
        using var probe = TrackerClientFactory.Create(new Uri(tracker.HttpAnnounceUrl), Options);
        Assert.Equal(0, (await probe.ScrapeAsync(hash, Ct))!.Leechers);
    }

    /// <summary>Debian's opentracker, with <paramref name="allowed"/> on its whitelist (and the reload confirmed).</summary>
    private static async Task<OpenTrackerProcess> StartTrackerAsync(InfoHash? allowed)
    {
        ReferencePrograms.Require("opentracker");
        var tracker = await OpenTrackerProcess.StartAsync(cancellationToken: Ct);
        if (allowed is { } hash) await tracker.AllowAsync(hash, cancellationToken: Ct);
        return tracker;
    }

    private static async Task WaitFor(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(20, Ct);
        }
    }
}
