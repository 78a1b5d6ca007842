using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Shoal.Bencoding;
using Shoal.Metainfo;
using Shoal.Tests.Support;
using Shoal.TrackerServer;
using Shoal.TrackerServer.Registry;
using Shoal.Trackers;
using static Shoal.Tests.TrackerServer.TrackerClientHelpers;
using static Shoal.Tests.TrackerServer.TrackerTestData;

namespace Shoal.Tests.TrackerServer;

/// <summary>A real tracker on 127.0.0.1 port 0, in-process, driven over HTTP and UDP.</summary>
public class TrackerServerTests
{
    private static readonly TrackerOptions Loopback = new() { Host = "127.0.0.1", Port = 0 };

    private static HttpClient NewHttp() => new() { Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task Announces_over_http_see_each_other()
    {
        await using var tracker = await TrackerHost.StartAsync(Loopback with { ExposePeerIds = true }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Matches(@"^tracker: listening on http://127\.0\.0\.1:\d+/announce and udp://127\.0\.0\.1:\d+/announce$", tracker.ListeningLine);
        Assert.Equal(tracker.HttpEndPoint.Port, tracker.UdpEndPoint.Port);
        using var http = NewHttp();
        var hash = Hash(1);

        var first = await GetBencodedAsync(http, AnnounceUrl(tracker.HttpAnnounceUrl, hash, "-SH0001-aaaaaaaaaaaa", 7001, 0, "&event=started"));
        Assert.Null(FailureReason(first));
        Assert.Equal(0, first.Get<BString>("peers")!.Bytes.Length);
        Assert.Equal(1800, first.Get<BInteger>("interval")!.Value);
        Assert.Equal(300, first.Get<BInteger>("min interval")!.Value);

        var second = await GetBencodedAsync(http, AnnounceUrl(tracker.HttpAnnounceUrl, hash, "-SH0001-bbbbbbbbbbbb", 7002, 500, "&event=started"));
        Assert.Equal(1, second.Get<BInteger>("complete")!.Value);
        Assert.Equal(1, second.Get<BInteger>("incomplete")!.Value);
        var peers = Endpoints(second.Get<BString>("peers")!.Span, 6);
        Assert.Equal([new IPEndPoint(IPAddress.Loopback, 7001)], peers.Select(p => p.ToIPEndPoint()));

        var dictionary = await GetBencodedAsync(http, AnnounceUrl(tracker.HttpAnnounceUrl, hash, "-SH0001-bbbbbbbbbbbb", 7002, 500, "&compact=0"));
        var entry = Assert.IsType<BDictionary>(Assert.Single(dictionary.Get<BList>("peers")!));
        Assert.Equal("127.0.0.1", entry.Get<BString>("ip")!.Text);
        Assert.Equal(7001, entry.Get<BInteger>("port")!.Value);
        Assert.Equal("-SH0001-aaaaaaaaaaaa", entry.Get<BString>("peer id")!.Text);
        var noIds = await GetBencodedAsync(http, AnnounceUrl(tracker.HttpAnnounceUrl, hash, "-SH0001-bbbbbbbbbbbb", 7002, 500, "&compact=0&no_peer_id=1"));
        Assert.False(Assert.IsType<BDictionary>(Assert.Single(noIds.Get<BList>("peers")!)).ContainsKey("peer id"));

        var scrape = await GetBencodedAsync(http, tracker.HttpAnnounceUrl.Replace("/announce", "/scrape") + $"?info_hash={Escape(hash.Span)}");
        var files = scrape.Get<BDictionary>("files")!;
        Assert.True(files.TryGetValue(hash.Span, out var counts));
        Assert.Equal(1, ((BDictionary)counts).Get<BInteger>("complete")!.Value);
        Assert.Equal(1, ((BDictionary)counts).Get<BInteger>("incomplete")!.Value);
    }

    [Theory]
    [InlineData("", "missing info_hash")]
    [InlineData("?info_hash=abc&peer_id=-SH0001-abcdefghijkl&port=1", "info_hash must be 20 bytes")]
    [InlineData("?info_hash=aaaaaaaaaaaaaaaaaaaa&peer_id=short&port=1", "peer_id must be 20 bytes")]
    [InlineData("?info_hash=aaaaaaaaaaaaaaaaaaaa&peer_id=-SH0001-abcdefghijkl&port=99999", "invalid port")]
    [InlineData("?info_hash=aaaaaaaaaaaaaaaaaaaa&peer_id=-SH0001-abcdefghijkl&port=1&event=bogus", "unknown event")]
    public async Task Bad_announces_get_a_bencoded_failure_with_http_200(string query, string reason)
    {
        await using var tracker = await TrackerHost.StartAsync(Loopback, cancellationToken: TestContext.Current.CancellationToken);
        using var http = NewHttp();
        var answer = await GetBencodedAsync(http, tracker.HttpAnnounceUrl + query);
        Assert.Equal(reason, FailureReason(answer));
        Assert.Equal(1, tracker.Counters.BadRequests);
    }

    [Fact]
    public async Task Oversized_query_gets_a_failure_not_an_error_page()
    {
        await using var tracker = await TrackerHost.StartAsync(Loopback, cancellationToken: TestContext.Current.CancellationToken);
        using var http = NewHttp();
        var answer = await GetBencodedAsync(http, tracker.HttpAnnounceUrl + "?pad=" + new string('x', 10_000));
        Assert.Equal("query too long", FailureReason(answer));
    }

    [Theory]
    [InlineData(true)]  // recvmmsg/sendmmsg batches on Linux
    [InlineData(false)] // one system call per datagram, as elsewhere
    public async Task Udp_connect_announce_and_scrape(bool batching)
    {
        await using var tracker = await TrackerHost.StartAsync(Loopback with { UdpBatching = batching },
            cancellationToken: TestContext.Current.CancellationToken);
        using var http = NewHttp();
        var hash = Hash(2);
        // An HTTP seeder and a UDP leecher share one swarm.
        await GetBencodedAsync(http, AnnounceUrl(tracker.HttpAnnounceUrl, hash, "-SH0001-aaaaaaaaaaaa", 7001, 0));

        using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        udp.Connect(tracker.UdpEndPoint);
        long connection = await UdpConnectAsync(udp);
        var answer = await ExchangeAsync(udp, UdpRequestHandlerTests.AnnouncePacket(connection, 7, hash, Id(5), 100, AnnounceEvent.Started, 50, 7005));
        Assert.Equal(26, answer.Length);
        Assert.Equal(1, BinaryPrimitives.ReadInt32BigEndian(answer));
        Assert.Equal(1, BinaryPrimitives.ReadInt32BigEndian(answer.AsSpan(12)));
        Assert.Equal(1, BinaryPrimitives.ReadInt32BigEndian(answer.AsSpan(16)));
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 7001), Endpoints(answer.AsSpan(20), 6).Single().ToIPEndPoint());

        var scrape = new byte[36];
        BinaryPrimitives.WriteInt64BigEndian(scrape, connection);
        BinaryPrimitives.WriteInt32BigEndian(scrape.AsSpan(8), 2);
        BinaryPrimitives.WriteInt32BigEndian(scrape.AsSpan(12), 8);
        hash.CopyTo(scrape.AsSpan(16));
        answer = await ExchangeAsync(udp, scrape);
        Assert.Equal([2, 8, 1, 0, 1], Enumerable.Range(0, 5).Select(i => BinaryPrimitives.ReadInt32BigEndian(answer.AsSpan(i * 4))));

        // The HTTP seeder now sees the UDP leecher, at the port it announced.
        var seen = await GetBencodedAsync(http, AnnounceUrl(tracker.HttpAnnounceUrl, hash, "-SH0001-aaaaaaaaaaaa", 7001, 0));
        Assert.Equal(7005, Endpoints(seen.Get<BString>("peers")!.Span, 6).Single().Port);
        Assert.Equal(1, tracker.Counters.UdpAnnounces);
    }

    [Fact]
    public async Task Stats_page_json_and_metrics_report_the_swarms()
    {
        await using var tracker = await TrackerHost.StartAsync(Loopback, cancellationToken: TestContext.Current.CancellationToken);
        using var http = NewHttp();
        var hash = Hash(3);
        tracker.Registry.SetName(hash, "debian <netinst>.iso");
        await GetBencodedAsync(http, AnnounceUrl(tracker.HttpAnnounceUrl, hash, "-SH0001-aaaaaaaaaaaa", 7001, 0, "&event=completed"));
        await GetBencodedAsync(http, AnnounceUrl(tracker.HttpAnnounceUrl, hash, "-SH0001-bbbbbbbbbbbb", 7002, 9));
        var ct = TestContext.Current.CancellationToken;

        var html = await http.GetStringAsync(tracker.StatsUrl, ct);
        Assert.Contains(hash.ToHex(), html);
        Assert.Contains("debian &lt;netinst&gt;.iso", html);

        using var json = JsonDocument.Parse(await http.GetStringAsync(tracker.StatsUrl + "stats.json", ct));
        Assert.Equal(1, json.RootElement.GetProperty("seeders").GetInt64());
        Assert.Equal(1, json.RootElement.GetProperty("leechers").GetInt64());
        var row = json.RootElement.GetProperty("torrentList")[0];
        Assert.Equal(hash.ToHex(), row.GetProperty("infoHash").GetString());
        Assert.Equal(1, row.GetProperty("completed").GetInt64());

        var metrics = await http.GetStringAsync(tracker.StatsUrl + "metrics", ct);
        Assert.Contains("shoal_tracker_announces_total{protocol=\"http\"} 2\n", metrics);
        Assert.Contains("shoal_tracker_seeders 1\n", metrics);
        Assert.Contains("shoal_tracker_torrents 1\n", metrics);
    }

    [Fact]
    public async Task Restart_with_a_database_keeps_the_swarm()
    {
        using var dir = new TempDirectory("tracker-db");
        var options = Loopback with { DatabasePath = dir.Combine("tracker.db") };
        var hash = Hash(4);
        using var http = NewHttp();
        await using (var tracker = await TrackerHost.StartAsync(options, cancellationToken: TestContext.Current.CancellationToken))
        {
            await GetBencodedAsync(http, AnnounceUrl(tracker.HttpAnnounceUrl, hash, "-SH0001-aaaaaaaaaaaa", 7001, 0, "&event=completed"));
            await GetBencodedAsync(http, AnnounceUrl(tracker.HttpAnnounceUrl, hash, "-SH0001-bbbbbbbbbbbb", 7002, 10));
        }
        await using (var restarted = await TrackerHost.StartAsync(options, cancellationToken: TestContext.Current.CancellationToken))
        {
            Assert.Equal(new ScrapeCounts(1, 1, 1), restarted.Registry.Scrape(hash));
            var answer = await GetBencodedAsync(http, AnnounceUrl(restarted.HttpAnnounceUrl, hash, "-SH0001-cccccccccccc", 7003, 10));
            var ports = Endpoints(answer.Get<BString>("peers")!.Span, 6).Select(p => (int)p.Port).Order();
            Assert.Equal([7001, 7002], ports);
            Assert.Equal(1, answer.Get<BInteger>("downloaded")!.Value);
        }
    }

    [Fact]
    public async Task Allow_list_refuses_other_torrents()
    {
        using var dir = new TempDirectory("tracker-allow");
        var allowed = Hash(5);
        var path = dir.Combine("allow.txt");
        await File.WriteAllTextAsync(path, $"# private\n{allowed.ToHex()} Allowed Thing\n", TestContext.Current.CancellationToken);
        await using var tracker = await TrackerHost.StartAsync(Loopback with { AllowListPath = path }, cancellationToken: TestContext.Current.CancellationToken);
        using var http = NewHttp();
        Assert.Null(FailureReason(await GetBencodedAsync(http, AnnounceUrl(tracker.HttpAnnounceUrl, allowed, "-SH0001-aaaaaaaaaaaa", 7001, 0))));
        Assert.Equal("torrent not allowed on this tracker",
            FailureReason(await GetBencodedAsync(http, AnnounceUrl(tracker.HttpAnnounceUrl, Hash(6), "-SH0001-aaaaaaaaaaaa", 7001, 0))));
        Assert.Contains("Allowed Thing", await http.GetStringAsync(tracker.StatsUrl, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Allow_list_changes_on_disk_are_picked_up()
    {
        using var dir = new TempDirectory("tracker-allow-reload");
        var path = dir.Combine("allow.txt");
        await File.WriteAllTextAsync(path, Hash(11).ToHex() + "\n", TestContext.Current.CancellationToken);
        await using var tracker = await TrackerHost.StartAsync(Loopback with { AllowListPath = path }, cancellationToken: TestContext.Current.CancellationToken);
        using var http = NewHttp();
        var url = AnnounceUrl(tracker.HttpAnnounceUrl, Hash(12), "-SH0001-aaaaaaaaaaaa", 7001, 0);
        Assert.Equal("torrent not allowed on this tracker", FailureReason(await GetBencodedAsync(http, url)));

        await File.WriteAllTextAsync(path, $"{Hash(11).ToHex()}\n{Hash(12).ToHex()}\n", TestContext.Current.CancellationToken);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1)); // a visible change even on coarse file-system clocks
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (FailureReason(await GetBencodedAsync(http, url)) is not null)
        {
            Assert.True(DateTime.UtcNow < deadline, "the allow-list was not reloaded within 10 s");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task Rate_limit_answers_with_a_failure_past_the_burst()
    {
        await using var tracker = await TrackerHost.StartAsync(Loopback with { RateLimitPerSecond = 0.01, RateLimitBurst = 3 },
            cancellationToken: TestContext.Current.CancellationToken);
        using var http = NewHttp();
        var url = AnnounceUrl(tracker.HttpAnnounceUrl, Hash(7), "-SH0001-aaaaaaaaaaaa", 7001, 0);
        for (int i = 0; i < 3; i++) Assert.Null(FailureReason(await GetBencodedAsync(http, url)));
        Assert.Equal("rate limit exceeded, slow down", FailureReason(await GetBencodedAsync(http, url)));
        Assert.Equal(1, tracker.Counters.RateLimited);
    }

    [Theory]
    [InlineData(false, "192.0.2.5", "192.0.2.5")] // a remote client's ip parameter is ignored...
    [InlineData(true, "192.0.2.5", "10.9.8.7")] // ...unless trusted
    [InlineData(false, null, "10.9.8.7")] // a client on the tracker's own machine (loopback source) is believed: shoal's --announce-ip
    public async Task Ip_parameter_is_honoured_when_trusted_or_from_the_trackers_own_machine(bool trust, string? remote, string expected)
    {
        // A remote source is simulated through a trusted proxy's X-Forwarded-For (the test itself runs on loopback).
        await using var tracker = await TrackerHost.StartAsync(Loopback with { TrustIpParameter = trust, TrustProxy = remote is not null },
            cancellationToken: TestContext.Current.CancellationToken);
        using var http = NewHttp();
        var hash = Hash(8);
        using (var request = new HttpRequestMessage(HttpMethod.Get, AnnounceUrl(tracker.HttpAnnounceUrl, hash, "-SH0001-aaaaaaaaaaaa", 7001, 0, "&ip=10.9.8.7")))
        {
            if (remote is not null) request.Headers.Add("X-Forwarded-For", remote);
            using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        var answer = await ObserveAsync(http, tracker, hash, behindProxy: remote is not null);
        Assert.Equal(expected, Endpoints(answer.Get<BString>("peers")!.Span, 6).Single().ToIPAddress().ToString());
    }

    [Theory]
    [InlineData(false, "127.0.0.1")]
    [InlineData(true, "127.0.0.77")]
    public async Task Forwarded_for_is_honoured_only_behind_a_trusted_proxy(bool trust, string expected)
    {
        await using var tracker = await TrackerHost.StartAsync(Loopback with { TrustProxy = trust },
            cancellationToken: TestContext.Current.CancellationToken);
        using var http = NewHttp();
        var hash = Hash(9);
        using (var request = new HttpRequestMessage(HttpMethod.Get, AnnounceUrl(tracker.HttpAnnounceUrl, hash, "-SH0001-aaaaaaaaaaaa", 7001, 0)))
        {
            request.Headers.Add("X-Forwarded-For", "198.51.100.1, 127.0.0.77");
            using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        var answer = await ObserveAsync(http, tracker, hash, behindProxy: trust);
        Assert.Equal(expected, Endpoints(answer.Get<BString>("peers")!.Span, 6).Single().ToIPAddress().ToString());
    }

    /// <summary>A second peer's announce; behind a trusted proxy it, too, comes with the X-Forwarded-For the proxy adds.</summary>
    private static async Task<BDictionary> ObserveAsync(HttpClient http, TrackerHost tracker, Shoal.Metainfo.InfoHash hash, bool behindProxy)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, AnnounceUrl(tracker.HttpAnnounceUrl, hash, "-SH0001-bbbbbbbbbbbb", 7002, 5));
        if (behindProxy) request.Headers.Add("X-Forwarded-For", "198.51.100.99");
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        return Assert.IsType<BDictionary>(BValue.Parse(await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken)));
    }

    [Fact]
    public async Task A_taken_port_is_a_clear_error_naming_it()
    {
        await using var first = await TrackerHost.StartAsync(Loopback, cancellationToken: TestContext.Current.CancellationToken);
        var error = await Assert.ThrowsAsync<PortInUseException>(() =>
            TrackerHost.StartAsync(Loopback with { Port = first.Port }, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(first.Port, error.Port);
        Assert.Contains(first.Port.ToString(), error.Message);

        using var udpOnly = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        int udpPort = ((IPEndPoint)udpOnly.Client.LocalEndPoint!).Port;
        error = await Assert.ThrowsAsync<PortInUseException>(() =>
            TrackerHost.StartAsync(Loopback with { Port = udpPort }, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal("UDP", error.Protocol);
    }

    [Fact]
    public async Task Listens_on_ipv6_loopback_and_answers_peers6()
    {
        if (!Socket.OSSupportsIPv6) Assert.Skip("no IPv6 on this machine");
        await using var tracker = await TrackerHost.StartAsync(new TrackerOptions { Host = "::1", Port = 0 },
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.StartsWith("http://[::1]:", tracker.HttpAnnounceUrl);
        using var http = NewHttp();
        var hash = Hash(10);
        await GetBencodedAsync(http, AnnounceUrl(tracker.HttpAnnounceUrl, hash, "-SH0001-aaaaaaaaaaaa", 7001, 0));
        var answer = await GetBencodedAsync(http, AnnounceUrl(tracker.HttpAnnounceUrl, hash, "-SH0001-bbbbbbbbbbbb", 7002, 5));
        var peer = Endpoints(answer.Get<BString>("peers6")!.Span, 18).Single();
        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, 7001), peer.ToIPEndPoint());
    }
}
