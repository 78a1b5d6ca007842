using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using CsCheck;
using Shoal.Bencoding;
using Shoal.Trackers;
using static Shoal.Tests.Trackers.TrackerTestData;

namespace Shoal.Tests.Trackers;

/// <summary>The real HTTP client against a raw server on 127.0.0.1 that answers well, badly, or not at all.</summary>
public class HttpTrackerClientTests
{
    private static readonly TrackerClientOptions Fast = new()
    {
        RequestTimeout = TimeSpan.FromSeconds(2),
        ConnectTimeout = TimeSpan.FromSeconds(2),
        MaxResponseBytes = 4096,
    };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static byte[] Ok(string peersCompactHex = "7F0000011AE1", string extra = "") =>
        RawHttpServer.Answer(Bytes($"d8:completei2e{extra}10:incompletei3e8:intervali900e5:peers{peersCompactHex.Length / 2}:") is var head
            ? [.. head, .. Convert.FromHexString(peersCompactHex), (byte)'e'] : []);

    private static async Task<TrackerException> AnnounceFails(RawHttpServer server, TrackerClientOptions? options = null)
    {
        using var client = new HttpTrackerClient(server.Announce, options ?? Fast);
        return await Assert.ThrowsAsync<TrackerException>(() => client.AnnounceAsync(Request(), Ct));
    }

    [Fact]
    public async Task Announce_sends_the_query_and_reads_the_answer()
    {
        await using var server = new RawHttpServer(_ => Ok());
        using var client = new HttpTrackerClient(server.Announce, Fast);

        var response = await client.AnnounceAsync(Request(AnnounceEvent.Started), Ct);

        Assert.Equal([IPEndPoint.Parse("127.0.0.1:6881")], response.Peers);
        Assert.Equal(TimeSpan.FromSeconds(900), response.Interval);
        Assert.Equal((2, 3), (response.Seeders, response.Leechers));
        var target = new Uri(new Uri("http://x"), Assert.Single(server.Targets));
        Assert.Equal("/announce", target.AbsolutePath);
        Assert.Equal(AwkwardHash.ToArray(), PercentDecode(Value(target, "info_hash")));
        Assert.Equal("started", Value(target, "event"));
    }

    [Fact]
    public async Task Tracker_id_is_sent_back_on_later_announces()
    {
        await using var server = new RawHttpServer(_ => RawHttpServer.Answer("d8:intervali60e5:peers0:10:tracker id3:T42e"));
        using var client = new HttpTrackerClient(server.Announce, Fast);
        await client.AnnounceAsync(Request(), Ct);
        await client.AnnounceAsync(Request(AnnounceEvent.None), Ct);
        Assert.DoesNotContain("trackerid", server.Targets[0]);
        Assert.Equal("T42", Value(new Uri(new Uri("http://x"), server.Targets[1]), "trackerid"));
    }

    [Fact]
    public async Task Gzip_answers_are_accepted()
    {
        var body = Bytes("d8:intervali60e5:peers6:") .Concat(Convert.FromHexString("0A0000011AE1")).Append((byte)'e').ToArray();
        using var gz = new MemoryStream();
        await using (var zip = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true)) zip.Write(body);
        await using var server = new RawHttpServer(_ => RawHttpServer.Answer(gz.ToArray(), headers: "Content-Encoding: gzip\r\n"));
        using var client = new HttpTrackerClient(server.Announce, Fast);
        var response = await client.AnnounceAsync(Request(), Ct);
        Assert.Equal([IPEndPoint.Parse("10.0.0.1:6881")], response.Peers);
    }

    [Fact]
    public async Task Failure_reason_is_reported_in_the_trackers_words()
    {
        await using var server = new RawHttpServer(_ => RawHttpServer.Answer("d14:failure reason22:torrent not registerede"));
        var e = await AnnounceFails(server);
        Assert.Equal(TrackerErrorKind.Failure, e.Kind);
        Assert.Equal($"tracker {server.Announce} refused the request: torrent not registered", e.Message);
    }

    [Fact]
    public async Task Failure_reason_under_an_error_status_is_still_the_reason()
    {
        await using var server = new RawHttpServer(_ => RawHttpServer.Answer("d14:failure reason9:bad querye", 400, "Bad Request"));
        var e = await AnnounceFails(server);
        Assert.Equal(TrackerErrorKind.Failure, e.Kind);
        Assert.Equal("bad query", e.FailureReason);
    }

    [Fact]
    public async Task Error_status_without_a_reason_names_the_status()
    {
        await using var server = new RawHttpServer(_ => RawHttpServer.Answer("<h1>oops</h1>", 500, "Internal Server Error"));
        var e = await AnnounceFails(server);
        Assert.Equal(TrackerErrorKind.HttpStatus, e.Kind);
        Assert.Equal($"tracker {server.Announce} answered HTTP 500 Internal Server Error", e.Message);
    }

    [Fact]
    public async Task Html_instead_of_bencode_is_invalid()
    {
        await using var server = new RawHttpServer(_ => RawHttpServer.Answer("<html>captive portal</html>"));
        var e = await AnnounceFails(server);
        Assert.Equal(TrackerErrorKind.InvalidResponse, e.Kind);
        Assert.Contains("not a bencoded dictionary (starts with \"<html>captive portal</html>\")", e.Message);
    }

    [Fact]
    public async Task Bytes_that_are_not_http_are_invalid()
    {
        await using var server = new RawHttpServer(_ => Bytes("\u0013BitTorrent protocol\0\0\0\0\0\0\0\0garbage\r\n\r\n"));
        var e = await AnnounceFails(server);
        Assert.Equal(TrackerErrorKind.InvalidResponse, e.Kind);
        Assert.StartsWith($"tracker {server.Announce} ", e.Message);
    }

    [Fact]
    public async Task Closing_without_an_answer_is_invalid()
    {
        await using var server = new RawHttpServer(_ => []);
        var e = await AnnounceFails(server);
        Assert.Equal(TrackerErrorKind.InvalidResponse, e.Kind);
        Assert.Contains("closed the connection without a complete HTTP answer", e.Message);
    }

    [Fact]
    public async Task A_tracker_that_never_answers_times_out()
    {
        await using var server = new RawHttpServer(_ => null);
        var e = await AnnounceFails(server, Fast with { RequestTimeout = TimeSpan.FromMilliseconds(300) });
        Assert.Equal(TrackerErrorKind.Timeout, e.Kind);
        Assert.Equal($"tracker {server.Announce} did not answer within 300 ms", e.Message);
    }

    [Fact]
    public async Task Oversized_answers_are_refused_declared_or_not()
    {
        var big = new string('x', 5000);
        await using var declared = new RawHttpServer(_ => RawHttpServer.Answer($"d8:intervali1e5:peers0:7:padding{big.Length}:{big}e"));
        var e = await AnnounceFails(declared);
        Assert.Contains("answered with more than 4 KiB, the most accepted", e.Message);

        // No Content-Length: the body ends when the connection closes, and reading stops at the limit.
        await using var streamed = new RawHttpServer(_ => Bytes($"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nd8:intervali1e5:peers0:7:padding{big.Length}:{big}e"));
        e = await AnnounceFails(streamed);
        Assert.Equal(TrackerErrorKind.InvalidResponse, e.Kind);
        Assert.Contains("more than 4 KiB", e.Message);
    }

    [Fact]
    public async Task Nothing_listening_is_unreachable()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        using var client = new HttpTrackerClient(new Uri($"http://127.0.0.1:{port}/announce"), Fast);
        var e = await Assert.ThrowsAsync<TrackerException>(() => client.AnnounceAsync(Request(), Ct));
        Assert.Equal(TrackerErrorKind.Unreachable, e.Kind);
        Assert.Equal($"tracker http://127.0.0.1:{port}/announce is unreachable: connection refused", e.Message);
    }

    [Fact]
    public async Task A_restarted_tracker_is_used_again_by_the_same_client()
    {
        var server = new RawHttpServer(_ => Ok());
        int port = server.Port;
        using var client = new HttpTrackerClient(server.Announce, Fast);
        await client.AnnounceAsync(Request(), Ct);

        await server.DisposeAsync();
        var down = await Assert.ThrowsAsync<TrackerException>(() => client.AnnounceAsync(Request(AnnounceEvent.None), Ct));
        Assert.Equal(TrackerErrorKind.Unreachable, down.Kind);

        await using var restarted = new RawHttpServer(_ => Ok("0A0000021AE1"), port);
        var response = await client.AnnounceAsync(Request(AnnounceEvent.None), Ct);
        Assert.Equal([IPEndPoint.Parse("10.0.0.2:6881")], response.Peers);
    }

    [Fact]
    public async Task Scrape_uses_the_derived_url()
    {
        var files = new BDictionary();
        files.Set(AwkwardHash.Span, new BDictionary { { "complete", 4 }, { "downloaded", 9 }, { "incomplete", 1 } });
        await using var server = new RawHttpServer(_ => RawHttpServer.Answer(new BDictionary { { "files", files } }.Encode()));
        using var client = new HttpTrackerClient(server.Announce, Fast);

        Assert.Equal(new ScrapeResult(4, 9, 1), await client.ScrapeAsync(AwkwardHash, Ct));
        Assert.StartsWith("/scrape?info_hash=", Assert.Single(server.Targets));
    }

    [Fact]
    public async Task Scrape_without_a_derivable_url_asks_nothing()
    {
        await using var server = new RawHttpServer(_ => Ok());
        using var client = new HttpTrackerClient(new Uri($"http://127.0.0.1:{server.Port}/tracker"), Fast);
        Assert.Null(await client.ScrapeAsync(AwkwardHash, Ct));
        Assert.Empty(server.Targets);
    }

    [Fact]
    public async Task Random_bodies_through_the_real_client_end_only_in_tracker_exceptions()
    {
        byte[] body = [];
        await using var server = new RawHttpServer(_ => RawHttpServer.Answer(body));
        using var client = new HttpTrackerClient(server.Announce, Fast);
        await Gen.Byte.Array[0, 200].SampleAsync(async random =>
        {
            body = random;
            try
            {
                await client.AnnounceAsync(Request(), Ct);
            }
            catch (TrackerException)
            {
            }
        }, iter: 200, threads: 1);
    }

    [Fact]
    public void Unsupported_schemes_are_a_clear_error()
    {
        var e = Assert.Throws<TrackerException>(() => TrackerClientFactory.Create(new Uri("wss://tracker.test/announce"), Fast));
        Assert.Equal(TrackerErrorKind.InvalidUrl, e.Kind);
        Assert.Equal("tracker wss://tracker.test/announce has unsupported scheme 'wss' (expected http, https or udp)", e.Message);
        e = Assert.Throws<TrackerException>(() => TrackerClientFactory.Create("::not a url::", Fast));
        Assert.Equal("tracker ::not a url:: is not a valid URL", e.Message);
        e = Assert.Throws<TrackerException>(() => TrackerClientFactory.Create("udp://tracker.test/announce", Fast));
        Assert.Contains("has no port", e.Message);
        Assert.IsType<HttpTrackerClient>(TrackerClientFactory.Create("https://tracker.test/announce", Fast), exactMatch: true).Dispose();
        Assert.IsType<UdpTrackerClient>(TrackerClientFactory.Create("udp://tracker.test:80/announce", Fast), exactMatch: true).Dispose();
    }
}
