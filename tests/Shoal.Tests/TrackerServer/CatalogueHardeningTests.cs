using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Shoal.Metainfo;
using Shoal.TrackerServer;
using Shoal.TrackerServer.Catalogue;

namespace Shoal.Tests.TrackerServer;

/// <summary>
/// Issue 10 item 15, the tracker's side: the default catalogue needs a key (anyone may publish only with
/// --catalogue-open), and the listing is rendered once per second whatever Host header each request names.
/// </summary>
[Trait("Category", "Hostile")]
public class CatalogueHardeningTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void A_catalogue_without_a_key_is_refused_unless_declared_open()
    {
        var error = Assert.Throws<ArgumentException>(() => new TrackerOptions { Catalogue = true }.Validate());
        Assert.Equal("the catalogue needs a publishing key (--catalogue-key KEY, or $SHOAL_CATALOGUE_KEY), or --catalogue-open to let anyone publish",
            error.Message);
        new TrackerOptions { Catalogue = true, CatalogueOpen = true }.Validate();
        new TrackerOptions { Catalogue = true, CatalogueKey = "k" }.Validate();
        Assert.Throws<ArgumentException>(() => new TrackerOptions { Catalogue = true, CatalogueOpen = true, CatalogueKey = "k" }.Validate());
        Assert.Throws<ArgumentException>(() => new TrackerOptions { CatalogueOpen = true }.Validate());
    }

    [Fact]
    public async Task Only_an_open_catalogue_takes_torrents_without_a_key()
    {
        var bytes = CatalogueServerTests.MakeTorrent("open.bin", 21);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await using var open = await TrackerHost.StartAsync(new TrackerOptions { Host = "127.0.0.1", Port = 0, Catalogue = true, CatalogueOpen = true },
            cancellationToken: Ct);
        using (var response = await http.PostAsync(open.CatalogueUrl, Torrent(bytes), Ct)) Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        await using var keyed = await TrackerHost.StartAsync(new TrackerOptions { Host = "127.0.0.1", Port = 0, Catalogue = true, CatalogueKey = "k" },
            cancellationToken: Ct);
        using (var response = await http.PostAsync(keyed.CatalogueUrl, Torrent(bytes), Ct)) Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task The_listing_is_cached_whatever_the_host_header_says()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2025-01-01T00:00:00Z"));
        await using var tracker = await TrackerHost.StartAsync(
            new TrackerOptions { Host = "127.0.0.1", Port = 0, Catalogue = true, CatalogueKey = "k" }, timeProvider: time, cancellationToken: Ct);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var first = CatalogueServerTests.MakeTorrent("first.bin", 22, tracker: null);
        Assert.Equal(PublishStatus.Added, (await tracker.Catalogue!.PublishAsync(first, Ct)).Status);

        var a = await ListAsync(http, tracker, "tracker-a.example:9090");
        var second = CatalogueServerTests.MakeTorrent("second.bin", 23, tracker: null);
        await tracker.Catalogue.PublishAsync(second, Ct);
        // Another Host within the same second: the cached rendering (without "second.bin"), with this host's magnet links.
        var b = await ListAsync(http, tracker, "tracker-b.example:9090");
        Assert.Equal(["first.bin"], b.Select(e => e.GetProperty("name").GetString()));
        Assert.EndsWith("&tr=" + Uri.EscapeDataString("http://tracker-a.example:9090/announce"), a[0].GetProperty("magnet").GetString());
        Assert.EndsWith("&tr=" + Uri.EscapeDataString("http://tracker-b.example:9090/announce"), b[0].GetProperty("magnet").GetString());
        time.Advance(TimeSpan.FromSeconds(1.5));
        Assert.Equal(2, (await ListAsync(http, tracker, "tracker-c.example:9090")).Length);
    }

    private static ByteArrayContent Torrent(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-bittorrent");
        return content;
    }

    private static async Task<JsonElement[]> ListAsync(HttpClient http, TrackerHost tracker, string host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, tracker.CatalogueUrl);
        request.Headers.Host = host;
        using var response = await http.SendAsync(request, Ct);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        return [.. json.RootElement.GetProperty("entries").EnumerateArray().Select(e => e.Clone())];
    }
}
