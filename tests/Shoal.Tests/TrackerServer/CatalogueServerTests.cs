using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Shoal.Metainfo;
using Shoal.Tests.Support;
using Shoal.TrackerServer;
using static Shoal.Tests.TrackerServer.TrackerClientHelpers;

namespace Shoal.Tests.TrackerServer;

/// <summary>The catalogue of a real in-process tracker (127.0.0.1, port 0), driven over HTTP.</summary>
public class CatalogueServerTests
{
    private static readonly TrackerOptions WithCatalogue = new() { Host = "127.0.0.1", Port = 0, Catalogue = true, CatalogueOpen = true };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static HttpClient NewHttp() => new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>A small valid .torrent; <paramref name="seed"/> varies the piece hashes (and so the info-hash).</summary>
    internal static byte[] MakeTorrent(string name, int seed, string? tracker = "http://127.0.0.1:1/announce", string? comment = null,
        long length = 100_000, int files = 1)
    {
        const int pieceLength = 16 * 1024;
        long total = length * files;
        var hashes = new byte[(int)((total + pieceLength - 1) / pieceLength) * 20];
        new Random(seed).NextBytes(hashes);
        var info = files == 1
            ? TorrentInfo.Create(name, pieceLength, hashes, [([name], length, false)], multiFile: false)
            : TorrentInfo.Create(name, pieceLength, hashes,
                Enumerable.Range(0, files).Select(i => ((IReadOnlyList<string>)[$"part{i}.bin"], length, false)).ToArray(), multiFile: true);
        return new Torrent(info, tracker is null ? null : [[tracker]], comment).Encode();
    }

    private static async Task<HttpResponseMessage> PublishAsync(HttpClient http, TrackerHost tracker, byte[] torrent, string? key = null, string query = "")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, tracker.CatalogueUrl + query) { Content = new ByteArrayContent(torrent) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-bittorrent");
        if (key is not null) request.Headers.Add("X-Catalogue-Key", key);
        return await http.SendAsync(request, Ct);
    }

    private static async Task<JsonElement[]> ListAsync(HttpClient http, TrackerHost tracker)
    {
        using var json = JsonDocument.Parse(await http.GetStringAsync(tracker.CatalogueUrl, Ct));
        return [.. json.RootElement.GetProperty("entries").EnumerateArray().Select(e => e.Clone())];
    }

    private static async Task<string> BodyAsync(HttpResponseMessage response) => (await response.Content.ReadAsStringAsync(Ct)).Trim();

    [Fact]
    public async Task Published_torrent_is_listed_with_its_counts_and_served_back_byte_for_byte()
    {
        await using var tracker = await TrackerHost.StartAsync(WithCatalogue, cancellationToken: Ct);
        using var http = NewHttp();
        var bytes = MakeTorrent("holiday.mkv", 1, comment: "keep these bytes");
        var hash = Torrent.Parse(bytes).InfoHash;

        using (var published = await PublishAsync(http, tracker, bytes))
        {
            Assert.Equal(HttpStatusCode.Created, published.StatusCode);
            Assert.Equal($"/catalogue/{hash.ToHex()}.torrent", published.Headers.Location?.OriginalString);
        }
        // A seeder and a leecher in its swarm show up in the listing.
        await GetBencodedAsync(http, AnnounceUrl(tracker.HttpAnnounceUrl, hash, "-SH0001-aaaaaaaaaaaa", 7001, 0));
        await GetBencodedAsync(http, AnnounceUrl(tracker.HttpAnnounceUrl, hash, "-SH0001-bbbbbbbbbbbb", 7002, 5));
        await Task.Delay(1100, Ct); // past the listing's one-second cache

        var entry = Assert.Single(await ListAsync(http, tracker));
        Assert.Equal("holiday.mkv", entry.GetProperty("name").GetString());
        Assert.Equal(hash.ToHex(), entry.GetProperty("infoHash").GetString());
        Assert.Equal(100_000, entry.GetProperty("size").GetInt64());
        Assert.Equal(1, entry.GetProperty("files").GetInt32());
        Assert.Equal(1, entry.GetProperty("seeders").GetInt32());
        Assert.Equal(1, entry.GetProperty("leechers").GetInt32());
        Assert.False(entry.GetProperty("stale").GetBoolean());
        var magnet = MagnetLink.Parse(entry.GetProperty("magnet").GetString()!);
        Assert.Equal(hash, magnet.InfoHash);
        Assert.Equal("holiday.mkv", magnet.DisplayName);
        Assert.Contains(tracker.HttpAnnounceUrl, magnet.Trackers); // this tracker, as the client reached it
        Assert.Contains("http://127.0.0.1:1/announce", magnet.Trackers);

        using var download = await http.GetAsync(tracker.CatalogueUrl + "/" + hash.ToHex() + ".torrent", Ct);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("application/x-bittorrent", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal(bytes, await download.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal($"/catalogue/{hash.ToHex()}.torrent", entry.GetProperty("torrent").GetString());

        var text = await http.GetStringAsync(tracker.CatalogueUrl + "?format=text", Ct);
        Assert.Equal($"{hash.ToHex()}\t100000\t1\t1\tholiday.mkv\n", text);

        var page = await http.GetStringAsync(tracker.StatsUrl, Ct);
        Assert.Contains(">holiday.mkv<", page);
        Assert.Contains($"href=\"/catalogue/{hash.ToHex()}.torrent\"", page);
        Assert.Contains($"href=\"magnet:?xt=urn:btih:{hash.ToHex()}", page);
    }

    [Fact]
    public async Task Publishing_the_same_torrent_again_changes_nothing_and_a_different_one_with_the_same_hash_is_refused()
    {
        await using var tracker = await TrackerHost.StartAsync(WithCatalogue, cancellationToken: Ct);
        using var http = NewHttp();
        var first = MakeTorrent("same.iso", 2, comment: "first");
        var other = MakeTorrent("same.iso", 2, comment: "second"); // same info dict, other bytes
        Assert.Equal(Torrent.Parse(first).InfoHash, Torrent.Parse(other).InfoHash);

        using (var response = await PublishAsync(http, tracker, first)) Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using (var response = await PublishAsync(http, tracker, first)) Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using (var response = await PublishAsync(http, tracker, other))
        {
            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
            Assert.Contains("already lists a different .torrent", await BodyAsync(response));
        }
        Assert.Equal(first, await http.GetByteArrayAsync($"{tracker.CatalogueUrl}/{Torrent.Parse(first).InfoHash.ToHex()}.torrent", Ct));
        Assert.Equal(1, tracker.Catalogue!.Entries.Count);
    }

    [Theory]
    [InlineData("", "invalid .torrent: the .torrent file is empty")]
    [InlineData("hello", "invalid .torrent: not a .torrent file: it does not start with a bencoded dictionary")]
    [InlineData("d8:announce3:abce", "invalid .torrent:")]
    [InlineData("d4:infod4:name1:xee", "invalid .torrent:")]
    public async Task Invalid_torrents_are_refused_with_400_and_a_clear_line(string body, string expected)
    {
        await using var tracker = await TrackerHost.StartAsync(WithCatalogue, cancellationToken: Ct);
        using var http = NewHttp();
        using var response = await PublishAsync(http, tracker, System.Text.Encoding.ASCII.GetBytes(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var message = await BodyAsync(response);
        Assert.StartsWith(expected, message);
        Assert.DoesNotContain('\n', message);
        Assert.Equal(0, tracker.Catalogue!.Entries.Count);
    }

    [Fact]
    public async Task Too_large_a_torrent_is_refused_with_413()
    {
        await using var tracker = await TrackerHost.StartAsync(WithCatalogue with { CatalogueMaxTorrentBytes = 4096 }, cancellationToken: Ct);
        using var http = NewHttp();
        var big = MakeTorrent("big.bin", 3, length: 10_000_000); // ~12 KB of piece hashes
        using var response = await PublishAsync(http, tracker, big);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("larger than this catalogue accepts (4096 bytes)", await BodyAsync(response));

        // Without a Content-Length (chunked), the limit still holds.
        using var request = new HttpRequestMessage(HttpMethod.Post, tracker.CatalogueUrl) { Content = new StreamContent(new MemoryStream(big)) };
        request.Headers.TransferEncodingChunked = true;
        // The server answers 413 and closes as soon as the limit is passed: a client still streaming the rest may see its
        // connection cut instead of the answer. Either way nothing is stored.
        try
        {
            using var chunked = await http.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, chunked.StatusCode);
        }
        catch (HttpRequestException ex) when (ex.InnerException is IOException) { }
        Assert.Equal(0, tracker.Catalogue!.Entries.Count);
    }

    [Fact]
    public async Task The_allow_list_applies_to_publishing_and_listing()
    {
        using var dir = new TempDirectory("catalogue-allow");
        var allowed = MakeTorrent("allowed.bin", 4);
        var refused = MakeTorrent("refused.bin", 5);
        var path = dir.Combine("allow.txt");
        await File.WriteAllTextAsync(path, Torrent.Parse(allowed).InfoHash.ToHex() + "\n", Ct);
        await using var tracker = await TrackerHost.StartAsync(WithCatalogue with { AllowListPath = path }, cancellationToken: Ct);
        using var http = NewHttp();

        using (var response = await PublishAsync(http, tracker, refused))
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal($"torrent {Torrent.Parse(refused).InfoHash.ToHex()} is not allowed on this tracker", await BodyAsync(response));
        }
        using (var response = await PublishAsync(http, tracker, allowed)) Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("allowed.bin", Assert.Single(await ListAsync(http, tracker)).GetProperty("name").GetString());

        // Taken off the allow-list while running: hidden from the listing and no longer served.
        tracker.Registry.Allow = new Shoal.TrackerServer.Registry.AllowList([]);
        await Task.Delay(1100, Ct);
        Assert.Empty(await ListAsync(http, tracker));
        using var gone = await http.GetAsync($"{tracker.CatalogueUrl}/{Torrent.Parse(allowed).InfoHash.ToHex()}.torrent", Ct);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task A_catalogue_key_is_required_to_publish_and_remove_but_not_to_list()
    {
        await using var tracker = await TrackerHost.StartAsync(WithCatalogue with { CatalogueOpen = false, CatalogueKey = "s3cret" }, cancellationToken: Ct);
        using var http = NewHttp();
        var bytes = MakeTorrent("keyed.bin", 6);
        var hash = Torrent.Parse(bytes).InfoHash;

        using (var response = await PublishAsync(http, tracker, bytes))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Contains("needs a key", await BodyAsync(response));
        }
        using (var response = await PublishAsync(http, tracker, bytes, key: "wrong"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("wrong catalogue key", await BodyAsync(response));
        }
        Assert.Equal(0, tracker.Catalogue!.Entries.Count);
        using (var response = await PublishAsync(http, tracker, bytes, key: "s3cret")) Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Single(await ListAsync(http, tracker));

        using (var response = await http.DeleteAsync($"{tracker.CatalogueUrl}/{hash.ToHex()}", Ct))
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using (var response = await http.DeleteAsync($"{tracker.CatalogueUrl}/{hash.ToHex()}?key=s3cret", Ct))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, tracker.Catalogue.Entries.Count);
        using (var response = await PublishAsync(http, tracker, bytes, query: "?key=s3cret")) Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Entries_survive_a_restart_with_the_database_and_not_without_it()
    {
        using var dir = new TempDirectory("catalogue-db");
        var options = WithCatalogue with { DatabasePath = dir.Combine("tracker.db") };
        var bytes = MakeTorrent("kept.tar", 7, files: 3);
        using var http = NewHttp();
        DateTimeOffset publishedAt;
        await using (var tracker = await TrackerHost.StartAsync(options, cancellationToken: Ct))
        {
            using var response = await PublishAsync(http, tracker, bytes);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            publishedAt = tracker.Catalogue!.Entries.Newest()[0].PublishedAt;
        }
        await using (var restarted = await TrackerHost.StartAsync(options, cancellationToken: Ct))
        {
            var entry = Assert.Single(await ListAsync(http, restarted));
            Assert.Equal("kept.tar", entry.GetProperty("name").GetString());
            Assert.Equal(3, entry.GetProperty("files").GetInt32());
            Assert.Equal(publishedAt, entry.GetProperty("publishedAt").GetDateTimeOffset());
            Assert.Equal(bytes, await http.GetByteArrayAsync(restarted.StatsUrl.TrimEnd('/') + entry.GetProperty("torrent").GetString(), Ct));
        }
        await using (var inMemory = await TrackerHost.StartAsync(WithCatalogue, cancellationToken: Ct))
            Assert.Empty(await ListAsync(http, inMemory));
    }

    [Fact]
    public async Task The_catalogue_is_bounded_in_entries_and_in_bytes()
    {
        var options = WithCatalogue with { CatalogueMaxEntries = 3, CatalogueMaxTorrentBytes = 4096, CatalogueMaxTotalBytes = 1 << 20, CataloguePublishesPerMinute = 600 };
        await using var tracker = await TrackerHost.StartAsync(options, cancellationToken: Ct);
        using var http = NewHttp();
        for (int i = 0; i < 3; i++)
        {
            using var response = await PublishAsync(http, tracker, MakeTorrent($"file{i}.bin", 100 + i));
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }
        using (var full = await PublishAsync(http, tracker, MakeTorrent("one-too-many.bin", 200)))
        {
            Assert.Equal(HttpStatusCode.InsufficientStorage, full.StatusCode);
            Assert.StartsWith("the catalogue is full", await BodyAsync(full));
        }
        Assert.Equal(3, tracker.Catalogue!.Entries.Count);

        var bySize = WithCatalogue with { CatalogueMaxTorrentBytes = 2048, CatalogueMaxTotalBytes = 2048, CataloguePublishesPerMinute = 600 };
        await using var small = await TrackerHost.StartAsync(bySize, cancellationToken: Ct);
        var one = MakeTorrent("a.bin", 300, length: 500_000); // ~700 bytes each
        using (var response = await PublishAsync(http, small, one)) Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using (var response = await PublishAsync(http, small, MakeTorrent("b.bin", 301, length: 500_000))) Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using (var response = await PublishAsync(http, small, MakeTorrent("c.bin", 302, length: 500_000)))
            Assert.Equal(HttpStatusCode.InsufficientStorage, response.StatusCode);
        Assert.True(small.Catalogue!.Entries.TotalBytes <= 2048);
    }

    [Fact]
    public async Task Publishing_is_rate_limited_per_address()
    {
        await using var tracker = await TrackerHost.StartAsync(WithCatalogue with { CataloguePublishesPerMinute = 3 }, cancellationToken: Ct);
        using var http = NewHttp();
        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 6; i++)
        {
            using var response = await PublishAsync(http, tracker, MakeTorrent($"r{i}.bin", 400 + i));
            statuses.Add(response.StatusCode);
        }
        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.Created], statuses.Take(3));
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses.Skip(3));
        Assert.Equal(statuses.Count(s => s == HttpStatusCode.Created), tracker.Catalogue!.Entries.Count);
    }

    [Fact]
    public async Task Without_catalogue_the_endpoints_say_so_with_404()
    {
        await using var tracker = await TrackerHost.StartAsync(new TrackerOptions { Host = "127.0.0.1", Port = 0 }, cancellationToken: Ct);
        Assert.Null(tracker.CatalogueUrl);
        using var http = NewHttp();
        var url = tracker.StatsUrl + "catalogue";
        using var list = await http.GetAsync(url, Ct);
        Assert.Equal(HttpStatusCode.NotFound, list.StatusCode);
        Assert.Equal("this tracker has no catalogue (start it with: shoal tracker --catalogue)", await BodyAsync(list));
        using var publish = await http.PostAsync(url, new ByteArrayContent(MakeTorrent("x.bin", 8)), Ct);
        Assert.Equal(HttpStatusCode.NotFound, publish.StatusCode);
    }

    [Theory]
    [InlineData("/catalogue/nothex.torrent", HttpStatusCode.NotFound)]
    [InlineData("/catalogue/0123456789012345678901234567890123456789.torrent", HttpStatusCode.NotFound)]
    [InlineData("/catalogueX", HttpStatusCode.NotFound)]
    public async Task Unknown_catalogue_paths_are_404(string path, HttpStatusCode expected)
    {
        await using var tracker = await TrackerHost.StartAsync(WithCatalogue, cancellationToken: Ct);
        using var http = NewHttp();
        using var response = await http.GetAsync(tracker.StatsUrl.TrimEnd('/') + path, Ct);
        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task Names_are_escaped_on_the_page()
    {
        await using var tracker = await TrackerHost.StartAsync(WithCatalogue, cancellationToken: Ct);
        using var http = NewHttp();
        using (var response = await PublishAsync(http, tracker, MakeTorrent("<img src=x onerror=alert(1)>\"&", 9)))
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var page = await http.GetStringAsync(tracker.StatsUrl, Ct);
        Assert.DoesNotContain("<img src=x", page);
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt;&quot;&amp;", page);
    }

    [Fact]
    public async Task An_entry_without_seeders_for_a_day_is_shown_as_stale_not_deleted()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var tracker = await TrackerHost.StartAsync(WithCatalogue, timeProvider: time, cancellationToken: Ct);
        using var http = NewHttp();
        var bytes = MakeTorrent("old.bin", 10);
        using (var response = await PublishAsync(http, tracker, bytes)) Assert.Equal(HttpStatusCode.Created, response.StatusCode);

        time.Advance(TimeSpan.FromHours(23));
        Assert.False(Assert.Single(await ListAsync(http, tracker)).GetProperty("stale").GetBoolean());
        time.Advance(TimeSpan.FromHours(2));
        var stale = Assert.Single(await ListAsync(http, tracker));
        Assert.True(stale.GetProperty("stale").GetBoolean());
        Assert.Equal(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), stale.GetProperty("lastSeededAt").GetDateTimeOffset());
        Assert.Contains("(stale: none since 2025-01-01)", await http.GetStringAsync(tracker.StatsUrl, Ct));

        // A seeder comes back: fresh again.
        await GetBencodedAsync(http, AnnounceUrl(tracker.HttpAnnounceUrl, Torrent.Parse(bytes).InfoHash, "-SH0001-aaaaaaaaaaaa", 7001, 0));
        time.Advance(TimeSpan.FromSeconds(2));
        var fresh = Assert.Single(await ListAsync(http, tracker));
        Assert.False(fresh.GetProperty("stale").GetBoolean());
        Assert.Equal(1, fresh.GetProperty("seeders").GetInt32());
        Assert.Equal(time.GetUtcNow(), fresh.GetProperty("lastSeededAt").GetDateTimeOffset());
    }
}
