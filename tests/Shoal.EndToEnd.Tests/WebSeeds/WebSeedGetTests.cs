using System.Text.Json;
using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;
using static Shoal.EndToEnd.Tests.Robustness.ShoalProcess;

namespace Shoal.EndToEnd.Tests.WebSeeds;

/// <summary>
/// `shoal get` with a torrent whose url-list points at Debian's nginx on 127.0.0.1 (BEP 19): with no peer at all a
/// single-file and a multi-file torrent come whole from the web seed; with a peer too, both deliver; a web seed serving
/// a corrupted file is banned and the peer finishes; --no-web-seeds leaves it alone.
/// </summary>
[Trait("Category", "Interop")]
public sealed class WebSeedGetTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<(NginxServer Server, TempDirectory Dir)> StartAsync(string? limitRate = null) => WebSeedSite.StartAsync("webseed-get", limitRate);

    private static string Create(TempDirectory dir, string content, string webSeed)
    {
        string torrent = dir.Combine(Path.GetFileName(content) + ".torrent");
        Run("create", content, "-o", torrent, "--piece-size", "64K", "--web-seed", webSeed).EnsureSuccess("create");
        return torrent;
    }

    private static async Task<ProcessRunner.Result> GetAsync(string torrent, string output, params string[] extra) =>
        await Task.Run(() => Run(["get", torrent, "-o", output, "--port", "0", "--bind", "127.0.0.1", "--json", "--no-lsd", "--no-dht",
            .. extra.Contains("--idle-timeout") ? extra : [.. extra, "--idle-timeout", "20"]]), Ct);

    /// <summary>The last JSON line (the 'complete' or 'error' event).</summary>
    private static JsonElement Final(ProcessRunner.Result result)
    {
        var last = result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(l => l.StartsWith('{'));
        return JsonDocument.Parse(last).RootElement.Clone();
    }

    private static JsonElement OnlyWebSeed(JsonElement final) => Assert.Single(final.GetProperty("web_seeds").EnumerateArray().ToList());

    [Fact]
    public async Task A_single_file_torrent_comes_whole_from_the_web_seed_with_no_peer_at_all()
    {
        var (server, dir) = await StartAsync();
        await using var _ = server;
        using var __ = dir;
        var file = dir.WriteRandomFile("www/files/movie file.bin", 3_000_017, seed: 21);
        var torrent = Create(dir, file, server.Url("/files/").ToString());

        var result = await GetAsync(torrent, dir.Combine("out"));

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.StdErr}{result.StdOut}");
        Assert.Null(ContentComparison.Differences(file, dir.Combine("out", "movie file.bin")));
        var final = Final(result);
        Assert.Equal("complete", final.GetProperty("event").GetString());
        Assert.Equal(0, final.GetProperty("peers").GetInt32());
        Assert.Equal(3_000_017, OnlyWebSeed(final).GetProperty("downloaded").GetInt64());
        Assert.Contains(result.StdOut.Split('\n'), l => l.Contains("\"web\":1", StringComparison.Ordinal)); // counted as a source
        Assert.All(server.AccessLog(), e => Assert.Equal(206, e.Status));
    }

    [Fact]
    public async Task A_multi_file_torrent_comes_whole_from_the_web_seed_with_no_peer_at_all()
    {
        var (server, dir) = await StartAsync();
        await using var _ = server;
        using var __ = dir;
        WebSeedSite.WriteAlbum(dir);
        var torrent = Create(dir, dir.Combine("www/pub/album"), server.Url("/pub/").ToString());

        var result = await GetAsync(torrent, dir.Combine("out"));

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.StdErr}{result.StdOut}");
        foreach (var name in (string[])["01 intro.flac", "cover é.jpg", "extras/notes.txt", "extras/empty"])
            Assert.Null(ContentComparison.Differences(dir.Combine("www/pub/album", name), dir.Combine("out/album", name)));
        Assert.Equal(370_021, OnlyWebSeed(Final(result)).GetProperty("downloaded").GetInt64());
    }

    [Fact]
    public async Task With_a_peer_and_a_web_seed_both_deliver()
    {
        var (server, dir) = await StartAsync(limitRate: "256k"); // neither source is fast enough to take it all alone
        await using var _ = server;
        using var __ = dir;
        var file = dir.WriteRandomFile("www/data.bin", 4_000_000, seed: 22);
        var torrent = Create(dir, file, server.Url("/data.bin").ToString());
        int port = FreePort.Next();
        await using var seeder = await StartSeederAsync(file, torrent, port, extra: ["--no-lsd", "--no-dht", "--upload-limit", "1M"]);

        var result = await GetAsync(torrent, dir.Combine("out"), "--peer", $"127.0.0.1:{port}");

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.StdErr}{result.StdOut}");
        Assert.Null(ContentComparison.Differences(file, dir.Combine("out", "data.bin")));
        var final = Final(result);
        long fromWeb = OnlyWebSeed(final).GetProperty("downloaded").GetInt64();
        long fromPeer = final.GetProperty("downloaded").GetInt64() - fromWeb; // web bytes include any wasted: a lower bound for the peer
        Assert.True(fromWeb > 0 && fromPeer > 0, $"web {fromWeb}, peer {fromPeer}");
        Assert.Equal(0, final.GetProperty("hash_failures").GetInt32());
    }

    [Fact]
    public async Task A_web_seed_serving_a_corrupted_file_is_banned_and_the_peer_finishes()
    {
        var (server, dir) = await StartAsync();
        await using var _ = server;
        using var __ = dir;
        var good = dir.WriteRandomFile("seed/data.bin", 2_000_000, seed: 23);
        var torrent = Create(dir, good, server.Url("/data.bin").ToString());
        var bytes = File.ReadAllBytes(good);
        for (int at = 100; at < bytes.Length; at += 64 * 1024) bytes[at] ^= 0x5A; // every piece is wrong
        File.WriteAllBytes(dir.Combine("www/data.bin"), bytes);
        int port = FreePort.Next();
        // The peer is slow, so the web seed's bad pieces arrive first and are caught.
        await using var seeder = await StartSeederAsync(good, torrent, port, extra: ["--no-lsd", "--no-dht", "--upload-limit", "1M"]);

        var result = await GetAsync(torrent, dir.Combine("out"), "--peer", $"127.0.0.1:{port}");

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.StdErr}{result.StdOut}");
        Assert.Null(ContentComparison.Differences(good, dir.Combine("out", "data.bin")));
        var final = Final(result);
        var web = OnlyWebSeed(final);
        Assert.Equal("banned", web.GetProperty("state").GetString());
        Assert.Contains("failed verification", web.GetProperty("error").GetString());
        Assert.True(final.GetProperty("hash_failures").GetInt32() >= 1);
        Assert.Equal(0, final.GetProperty("peers_from").GetProperty("web").GetInt32());
    }

    [Fact]
    public async Task No_web_seeds_leaves_the_url_list_alone()
    {
        var (server, dir) = await StartAsync();
        await using var _ = server;
        using var __ = dir;
        var file = dir.WriteRandomFile("www/data.bin", 200_000, seed: 24);
        var torrent = Create(dir, file, server.Url("/data.bin").ToString());

        var result = await GetAsync(torrent, dir.Combine("out"), "--no-web-seeds", "--idle-timeout", "2");

        Assert.Equal(4, result.ExitCode); // gave up for want of peers (not a usage error)
        Assert.Contains("no peers to download from", result.StdErr, StringComparison.Ordinal);
        Assert.Empty(server.AccessLog());
    }

    [Fact]
    public async Task A_missing_file_on_the_web_seed_is_the_reason_given_when_nothing_else_serves_it()
    {
        var (server, dir) = await StartAsync();
        await using var _ = server;
        using var __ = dir;
        var file = dir.WriteRandomFile("elsewhere/data.bin", 200_000, seed: 25);
        var torrent = Create(dir, file, server.Url("/data.bin").ToString());

        var result = await GetAsync(torrent, dir.Combine("out"), "--idle-timeout", "2");

        Assert.Equal(4, result.ExitCode);
        Assert.Contains("HTTP 404", result.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StdErr, StringComparison.Ordinal);
    }
}
