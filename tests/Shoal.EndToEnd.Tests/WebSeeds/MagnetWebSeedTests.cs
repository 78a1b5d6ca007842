using System.Text.Json;
using Shoal.Metainfo;
using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;
using static Shoal.EndToEnd.Tests.Robustness.ShoalProcess;

namespace Shoal.EndToEnd.Tests.WebSeeds;

/// <summary>
/// `shoal get MAGNET` with 'ws=' (a web seed in the link, BEP 9 + BEP 19): the metadata comes from a peer that has none
/// of the data, so every byte comes from Debian's nginx on 127.0.0.1; `shoal info` shows the link's web seeds.
/// </summary>
[Trait("Category", "Interop")]
public sealed class MagnetWebSeedTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_magnets_web_seed_serves_the_data_once_a_peer_gave_the_metadata()
    {
        var (server, dir) = await WebSeedSite.StartAsync("magnet-ws");
        await using var _ = server;
        using var __ = dir;
        var album = WebSeedSite.WriteAlbum(dir);
        string torrentPath = dir.Combine("album.torrent");
        Run("create", album, "-o", torrentPath, "--piece-size", "32K").EnsureSuccess("create"); // no url-list: only the link names the web seed
        var torrent = Torrent.Load(torrentPath);
        // A peer with the .torrent and an empty folder: it can give the metadata, never a piece.
        await using var metadataOnly = await ShoalPeer.DownloadAsync(torrentPath, dir.Combine("empty"),
            new ShoalOptions { ExtraArguments = ["--no-dht", "--idle-timeout", "0"] }, Ct);
        var magnet = new MagnetLink(torrent.InfoHashes, "album", webSeeds: [server.Url("/pub/").ToString()]).ToString();
        Assert.Contains("&ws=", magnet);

        var info = Run("info", magnet);
        Assert.True(info.ExitCode == 0, info.StdErr);
        Assert.Contains(info.StdOut.Split('\n'), l => l.StartsWith("web seeds", StringComparison.Ordinal) && l.Contains(server.Url("/pub/").ToString()));

        var result = await Task.Run(() => Run(["get", magnet, "-o", dir.Combine("out"), "--port", "0", "--bind", "127.0.0.1", "--json", "--no-lsd", "--no-dht",
            "--peer", $"127.0.0.1:{metadataOnly.ListenPort}", "--idle-timeout", "20"]), Ct);

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.StdErr}{result.StdOut}\n{metadataOnly.Describe()}");
        foreach (var name in (string[])["01 intro.flac", "cover é.jpg", "extras/notes.txt", "extras/empty"])
            Assert.Null(ContentComparison.Differences(dir.Combine("www/pub/album", name), dir.Combine("out/album", name)));
        var final = JsonDocument.Parse(result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(l => l.StartsWith('{'))).RootElement;
        Assert.Equal("complete", final.GetProperty("event").GetString());
        var web = Assert.Single(final.GetProperty("web_seeds").EnumerateArray().ToList());
        Assert.Equal(370_021, web.GetProperty("downloaded").GetInt64());
    }
}
