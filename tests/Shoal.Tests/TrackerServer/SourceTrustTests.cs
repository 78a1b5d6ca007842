using System.Net;
using Shoal.Bencoding;
using Shoal.TrackerServer;
using static Shoal.Tests.TrackerServer.TrackerClientHelpers;
using static Shoal.Tests.TrackerServer.TrackerTestData;

namespace Shoal.Tests.TrackerServer;

/// <summary>
/// Issue 10 item 14: the ip parameter is believed from the tracker's own machine only when the request truly comes
/// from loopback with no proxy in between. (The tests run on loopback, so every request here is "local" by its socket.)
/// </summary>
[Trait("Category", "Hostile")]
public class SourceTrustTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Announces with ip=10.9.8.7 and the given headers; returns the failure reason, or null.</summary>
    private static async Task<string?> AnnounceClaimingAsync(HttpClient http, TrackerHost tracker, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, AnnounceUrl(tracker.HttpAnnounceUrl, Hash(1), "-SH0001-aaaaaaaaaaaa", 7001, 0, "&ip=10.9.8.7"));
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        using var response = await http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = Assert.IsType<BDictionary>(BValue.Parse(await response.Content.ReadAsByteArrayAsync(Ct)));
        return FailureReason(answer);
    }

    /// <summary>Where the first peer was listed, as a second (plain loopback) peer is told; null when it was not listed.</summary>
    private static async Task<string?> ListedAtAsync(HttpClient http, TrackerHost tracker)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, AnnounceUrl(tracker.HttpAnnounceUrl, Hash(1), "-SH0001-bbbbbbbbbbbb", 7002, 5));
        if (tracker.Registry.Scrape(Hash(1)).Seeders == 0) return null;
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "192.0.2.200"); // a remote observer when behind a proxy
        using var response = await http.SendAsync(request, Ct);
        var answer = Assert.IsType<BDictionary>(BValue.Parse(await response.Content.ReadAsByteArrayAsync(Ct)));
        return Endpoints(answer.Get<BString>("peers")!.Span, 6).Single(e => e.Port == 7001).ToIPAddress().ToString();
    }

    [Fact]
    public async Task A_loopback_request_is_believed_only_without_proxy_headers()
    {
        await using var tracker = await TrackerHost.StartAsync(new TrackerOptions { Host = "127.0.0.1", Port = 0 }, cancellationToken: Ct);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        // A proxy on this machine (one the operator did not declare with --trust-proxy) forwards a remote client.
        Assert.Null(await AnnounceClaimingAsync(http, tracker, ("X-Forwarded-For", "192.0.2.5")));
        Assert.Equal("127.0.0.1", await ListedAtAsync(http, tracker));
    }

    [Theory]
    [InlineData("Forwarded", "for=192.0.2.5")]
    [InlineData("X-Real-IP", "192.0.2.5")]
    public async Task Any_proxy_header_makes_a_loopback_request_remote(string header, string value)
    {
        await using var tracker = await TrackerHost.StartAsync(new TrackerOptions { Host = "127.0.0.1", Port = 0 }, cancellationToken: Ct);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        Assert.Null(await AnnounceClaimingAsync(http, tracker, (header, value)));
        Assert.Equal("127.0.0.1", await ListedAtAsync(http, tracker));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-an-address")]
    [InlineData("")]
    public async Task Behind_a_trusted_proxy_a_request_it_did_not_name_is_refused_not_local(string? forwarded)
    {
        await using var tracker = await TrackerHost.StartAsync(new TrackerOptions { Host = "127.0.0.1", Port = 0, TrustProxy = true }, cancellationToken: Ct);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var reason = forwarded is null
            ? await AnnounceClaimingAsync(http, tracker)
            : await AnnounceClaimingAsync(http, tracker, ("X-Forwarded-For", forwarded));
        Assert.Equal("the proxy in front of this tracker did not say who the client is (X-Forwarded-For)", reason);
        Assert.Null(await ListedAtAsync(http, tracker));
    }

    [Fact]
    public async Task Behind_a_trusted_proxy_the_forwarded_address_is_used_and_its_claims_ignored()
    {
        await using var tracker = await TrackerHost.StartAsync(new TrackerOptions { Host = "127.0.0.1", Port = 0, TrustProxy = true }, cancellationToken: Ct);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        Assert.Null(await AnnounceClaimingAsync(http, tracker, ("X-Forwarded-For", "127.0.0.1"))); // even "loopback" from the proxy is remote
        Assert.Equal("127.0.0.1", await ListedAtAsync(http, tracker));
    }
}
