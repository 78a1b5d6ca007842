using System.Net;
using System.Text;
using ClientEvent = Shoal.Trackers.AnnounceEvent;
using ClientRequest = Shoal.Trackers.AnnounceRequest;
using Shoal.TrackerServer;
using Shoal.Trackers;

namespace Shoal.Tests.TrackerServer;

/// <summary>Shoal's own tracker clients (src/Shoal/Trackers) against Shoal's tracker server, over HTTP and UDP.</summary>
public class ShoalClientAgainstTrackerTests
{
    [Theory]
    [InlineData("http")]
    [InlineData("udp")]
    public async Task Clients_announce_find_each_other_scrape_and_stop(string scheme)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var tracker = await TrackerHost.StartAsync(new TrackerOptions { Host = "127.0.0.1", Port = 0 }, cancellationToken: ct);
        var url = scheme == "udp" ? tracker.UdpAnnounceUrl : tracker.HttpAnnounceUrl;
        var options = new TrackerClientOptions { UdpTimeout = TimeSpan.FromSeconds(2), RequestTimeout = TimeSpan.FromSeconds(10) };
        using var seederClient = TrackerClientFactory.Create(url, options);
        using var leecherClient = TrackerClientFactory.Create(url, options);
        var hash = TrackerTestData.Hash(77);
        static ClientRequest Request(Shoal.Metainfo.InfoHash hash, string id, int port, long left, ClientEvent e) =>
            new(hash, Encoding.ASCII.GetBytes(id), port, 0, 0, left, e);

        var first = await seederClient.AnnounceAsync(Request(hash, "-SH0001-seeder000000", 7101, 0, ClientEvent.Started), ct);
        Assert.Empty(first.Peers);
        Assert.Equal(TimeSpan.FromMinutes(30), first.Interval);

        var second = await leecherClient.AnnounceAsync(Request(hash, "-SH0001-leecher00000", 7102, 100, ClientEvent.Started), ct);
        Assert.Equal([new IPEndPoint(IPAddress.Loopback, 7101)], second.Peers);
        Assert.Equal((1, 1), (second.Seeders, second.Leechers));

        await leecherClient.AnnounceAsync(Request(hash, "-SH0001-leecher00000", 7102, 0, ClientEvent.Completed), ct);
        var scrape = await seederClient.ScrapeAsync(hash, ct);
        Assert.Equal(new ScrapeResult(2, 1, 0), scrape);

        await leecherClient.AnnounceAsync(Request(hash, "-SH0001-leecher00000", 7102, 0, ClientEvent.Stopped), ct);
        Assert.Equal(new ScrapeResult(1, 1, 0), await seederClient.ScrapeAsync(hash, ct));
    }
}
