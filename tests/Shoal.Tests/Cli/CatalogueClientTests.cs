using System.Text;
using System.Text.Json;
using CsCheck;
using Shoal.Cli;
using Shoal.Cli.Commands;
using Shoal.Metainfo;
using Shoal.Tests.TrackerServer;
using Shoal.TrackerServer;

namespace Shoal.Tests.Cli;

/// <summary>The CLI's side of the catalogue: URL derivation, name resolution, listing parsing, publishing answers.</summary>
public class CatalogueClientTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly Uri Catalogue = new("http://10.0.0.5:9090/catalogue");

    [Theory]
    [InlineData("http://10.0.0.5:9090/announce", "http://10.0.0.5:9090/catalogue")]
    [InlineData("http://10.0.0.5:9090/", "http://10.0.0.5:9090/catalogue")]
    [InlineData("http://10.0.0.5:9090", "http://10.0.0.5:9090/catalogue")]
    [InlineData("https://tracker.example/announce?passkey=x", "https://tracker.example/catalogue")]
    [InlineData("udp://10.0.0.5:6969/announce", "http://10.0.0.5:6969/catalogue")]
    [InlineData("udp://[::1]:6969", "http://[::1]:6969/catalogue")]
    public void Catalogue_url_is_the_trackers_http_port_with_path_catalogue(string tracker, string expected) =>
        Assert.Equal(expected, CatalogueClient.CatalogueUrl(tracker).ToString());

    [Theory]
    [InlineData("not a url")]
    [InlineData("ftp://host:21/announce")]
    [InlineData("udp://host/announce")]
    public void A_bad_tracker_url_is_a_usage_error(string tracker)
    {
        var error = Assert.Throws<UserErrorException>(() => CatalogueClient.CatalogueUrl(tracker));
        Assert.Equal(ExitCodes.UsageError, error.ExitCode);
    }

    private static CatalogueItem Item(string name, string hashHex, int seeders = 1) =>
        new(name, InfoHash.Parse(hashHex), 1000, 1, seeders, 0, Stale: false);

    private static readonly CatalogueItem[] Items =
    [
        Item("Holiday.mkv", "aaaa000000000000000000000000000000000001"),
        Item("holiday.mkv", "aaaa000000000000000000000000000000000002"),
        Item("report-2024.pdf", "bbbb000000000000000000000000000000000003"),
        Item("report-2025.pdf", "cccc000000000000000000000000000000000004"),
        Item("ubuntu.iso", "dddd000000000000000000000000000000000005"),
    ];

    [Theory]
    [InlineData("Holiday.mkv", "aaaa000000000000000000000000000000000001")] // exact name wins over a case-insensitive twin
    [InlineData("holiday.mkv", "aaaa000000000000000000000000000000000002")]
    [InlineData("UBU", "dddd000000000000000000000000000000000005")] // unique case-insensitive prefix
    [InlineData("report-2025", "cccc000000000000000000000000000000000004")]
    [InlineData("cccc", "cccc000000000000000000000000000000000004")] // info-hash prefix
    [InlineData("BBBB00", "bbbb000000000000000000000000000000000003")]
    public void Finds_an_entry_by_exact_name_then_name_prefix_then_info_hash_prefix(string name, string expected) =>
        Assert.Equal(InfoHash.Parse(expected), CatalogueGet.Find(Items, name, Catalogue, "http://10.0.0.5:9090/announce").InfoHash);

    [Theory]
    [InlineData("holi", 2)]
    [InlineData("report", 2)]
    [InlineData("aaaa", 2)]
    public void An_ambiguous_name_lists_the_candidates_and_is_a_usage_error(string name, int candidates)
    {
        var error = Assert.Throws<UserErrorException>(() => CatalogueGet.Find(Items, name, Catalogue, "http://10.0.0.5:9090/announce"));
        Assert.Equal(ExitCodes.UsageError, error.ExitCode);
        var lines = error.Message.Split('\n');
        Assert.StartsWith($"'{name}' matches {candidates} catalogue entries", lines[0]);
        Assert.Equal(candidates + 2, lines.Length); // the message, a header, one row per candidate
    }

    [Fact]
    public void An_unknown_name_says_how_to_list_the_catalogue()
    {
        var error = Assert.Throws<UserErrorException>(() => CatalogueGet.Find(Items, "zzz", Catalogue, "http://10.0.0.5:9090/announce"));
        Assert.Equal("'zzz' is not in the catalogue of http://10.0.0.5:9090 (5 entries; list them with: shoal get --tracker http://10.0.0.5:9090/announce)",
            error.Message);
    }

    [Fact]
    public void Table_aligns_columns_marks_stale_entries_and_neutralises_control_characters()
    {
        var rows = CatalogueGet.Table([Item("a\u001b[2Jb", "aaaa000000000000000000000000000000000001"),
            Item("longer-name.bin", "bbbb000000000000000000000000000000000003") with { Stale = true, Seeders = 0 }]).ToList();
        Assert.Equal(3, rows.Count);
        Assert.DoesNotContain(rows, r => r.Contains('\u001b'));
        Assert.Contains("a?[2Jb", rows[1]);
        Assert.EndsWith("aaaa00000000", rows[1]);
        Assert.Contains("0 stale", rows[2]);
        int hashColumn = rows[0].IndexOf("INFO-HASH", StringComparison.Ordinal);
        Assert.All(rows.Skip(1), r => Assert.Equal(hashColumn, r.Length - 12)); // columns line up
    }

    [Fact]
    public void Where_a_source_is_a_catalogue_name()
    {
        using var dir = new Shoal.Tests.Support.TempDirectory("catalogue-applies");
        var existing = dir.Combine("here.bin");
        File.WriteAllBytes(existing, [1]);
        IReadOnlyList<IReadOnlyList<string>> tracker = [["http://127.0.0.1:1/announce"]];
        Assert.True(CatalogueGet.Applies(null, tracker));
        Assert.True(CatalogueGet.Applies(null, []));
        Assert.True(CatalogueGet.Applies("ubuntu.iso", tracker));
        Assert.False(CatalogueGet.Applies("ubuntu.iso", [])); // no tracker: a missing file, as before
        Assert.False(CatalogueGet.Applies(existing, tracker));
        Assert.False(CatalogueGet.Applies("missing.torrent", tracker));
        Assert.False(CatalogueGet.Applies("some/dir/file", tracker));
        Assert.False(CatalogueGet.Applies("magnet:?xt=urn:btih:aaaa", tracker));
    }

    [Fact]
    public void Listing_entries_that_make_no_sense_are_skipped()
    {
        var body = """
            {"entries":[
              {"name":"ok.bin","infoHash":"aaaa000000000000000000000000000000000001","size":10,"files":1,"seeders":2,"leechers":1,"stale":false},
              {"name":"","infoHash":"aaaa000000000000000000000000000000000002","size":10},
              {"name":"badhash","infoHash":"xyz","size":10},
              {"name":"negative","infoHash":"aaaa000000000000000000000000000000000003","size":-1},
              {"name":"huge-counts","infoHash":"aaaa000000000000000000000000000000000004","size":1,"seeders":1e300,"leechers":99999999999},
              42, "text", null
            ]}
            """;
        var items = CatalogueClient.ParseListing(Encoding.UTF8.GetBytes(body));
        Assert.Equal(["ok.bin", "huge-counts"], items.Select(i => i.Name));
        Assert.Equal((2, 1), (items[0].Seeders, items[0].Leechers));
        Assert.Equal(int.MaxValue, items[1].Leechers);
    }

    [Fact]
    public void Random_bytes_as_a_listing_throw_only_json_exceptions() =>
        Gen.OneOf(
            Gen.Byte.Array[0, 200],
            Gen.String[Gen.Char["{}[]\":,0123456789abcdefnulrtsy entriesnameinfoHash"], 0, 200].Select(Encoding.UTF8.GetBytes))
        .Sample(body =>
        {
            try
            {
                var items = CatalogueClient.ParseListing(body);
                Assert.All(items, i => Assert.True(i.Size >= 0 && i.Name.Length > 0));
            }
            catch (JsonException)
            {
            }
        }, iter: 20_000);

    [Fact]
    public async Task Publish_answers_from_a_real_tracker()
    {
        await using var tracker = await TrackerHost.StartAsync(new TrackerOptions { Host = "127.0.0.1", Port = 0, Catalogue = true, CatalogueKey = "k" },
            cancellationToken: Ct);
        await using var plain = await TrackerHost.StartAsync(new TrackerOptions { Host = "127.0.0.1", Port = 0 }, cancellationToken: Ct);
        using var client = new CatalogueClient(TimeSpan.FromSeconds(10));
        var bytes = CatalogueServerTests.MakeTorrent("published.bin", 1);
        var catalogue = CatalogueClient.CatalogueUrl(tracker.UdpAnnounceUrl); // udp:// maps to the same port over HTTP

        Assert.Equal(PublishAnswerKind.Refused, (await client.PublishAsync(catalogue, bytes, null, Ct)).Kind);
        Assert.Equal(PublishAnswerKind.Refused, (await client.PublishAsync(catalogue, bytes, "wrong", Ct)).Kind);
        Assert.Equal(new PublishAnswer(PublishAnswerKind.Published, "published"), await client.PublishAsync(catalogue, bytes, "k", Ct));
        Assert.Equal(new PublishAnswer(PublishAnswerKind.Published, "already listed"), await client.PublishAsync(catalogue, bytes, "k", Ct));
        var noCatalogue = await client.PublishAsync(CatalogueClient.CatalogueUrl(plain.HttpAnnounceUrl), bytes, null, Ct);
        Assert.Equal(PublishAnswerKind.NoCatalogue, noCatalogue.Kind);
        Assert.True(noCatalogue.IsFinal);
        var unreachable = await client.PublishAsync(new Uri("http://127.0.0.1:1/catalogue"), bytes, null, Ct);
        Assert.Equal(PublishAnswerKind.Failed, unreachable.Kind);
        Assert.False(unreachable.IsFinal);

        var item = Assert.Single(await client.ListAsync(catalogue, Ct));
        Assert.Equal(Torrent.Parse(bytes).InfoHash, item.InfoHash);
        Assert.Equal(bytes, (await client.FetchTorrentAsync(catalogue, item, Ct)).Encode());
        var missing = await Assert.ThrowsAsync<UserErrorException>(() => client.ListAsync(CatalogueClient.CatalogueUrl(plain.HttpAnnounceUrl), Ct));
        Assert.Equal($"the tracker at http://127.0.0.1:{plain.Port} has no catalogue (start it with: shoal tracker --catalogue)", missing.Message);
    }
}
