using Microsoft.Playwright;
using Shoal.Browser.Tests.Infrastructure;
using Shoal.Metainfo;
using Shoal.Tests.Support;

namespace Shoal.Browser.Tests.Scenarios;

/// <summary>
/// A library in every common state at once — downloading, seeding, stopped, fetching metadata — as the list and the
/// details show it. Its two screenshots are the README's (copied to docs/ when SHOAL_UPDATE_DOCS=1).
/// </summary>
public sealed class ShowcaseTests(Chromium chromium)
{
    [Fact]
    public async Task A_mixed_library_shows_each_torrent_in_its_state()
    {
        var browser = chromium.Browser;
        using var dir = new TempDirectory("webui-showcase");
        await using var swarm = await LoopbackSwarm.StartAsync(dir);
        var (movie, moviePath, _) = await swarm.MakeTorrentAsync("Big Buck Bunny (2008) 1080p.mkv", [("Big Buck Bunny (2008) 1080p.mkv", 40_000_000)],
            pieceLength: 256 * 1024, comment: "Blender Foundation open movie");
        await swarm.SeedAsync(moviePath, uploadLimitBytesPerSecond: 700_000);
        var (series, _, _) = await swarm.MakeTorrentAsync("Sintel (2010) 4K",
            [("Sintel.2010.4K.mkv", 3_000_000), ("Sintel.2010.en.srt", 60_000), ("poster.jpg", 200_000)]);
        var (_, unseeded, _) = await swarm.MakeTorrentAsync("ubuntu-24.04-desktop-amd64.iso", [("ubuntu-24.04-desktop-amd64.iso", 500_000)]);

        await using var daemon = await DaemonProcess.StartAsync(dir.Combine("daemon"));
        string distro = dir.WriteRandomFile(Path.Combine("daemon", "downloads", "debian-12.5.0-amd64-netinst.iso"), 3_000_000);
        var distroTorrent = await new TorrentBuilder { PieceLength = 64 * 1024 }.BuildAsync(distro, cancellationToken: TestContext.Current.CancellationToken);
        await daemon.Rpc.AddTorrentAsync(distroTorrent.Encode(), paused: false, labels: ["linux"]);
        await daemon.Rpc.AddTorrentAsync(series.Encode(), paused: true, labels: ["movies"]);
        await daemon.Rpc.AddTorrentAsync(movie.Encode(), paused: false, labels: ["movies"]);
        await daemon.Rpc.CallAsync("torrent-add", new { filename = MagnetLink.FromTorrent(Torrent.Load(unseeded)).ToString(), labels = new[] { "linux" } });

        await using var web = await WebPage.OpenAsync(browser, daemon.PageUrl);
        await Assertions.Expect(web.Row("Big Buck Bunny").Locator(".c-state")).ToHaveTextAsync("Downloading", new() { Timeout = 60_000 });
        await Assertions.Expect(web.Row("debian-12.5.0").Locator(".c-state")).ToHaveTextAsync("Seeding", new() { Timeout = 60_000 });
        await Assertions.Expect(web.Row("Sintel").Locator(".c-state")).ToHaveTextAsync("Stopped");
        await Assertions.Expect(web.Row("ubuntu-24.04").Locator(".c-state")).ToHaveTextAsync("Fetching metadata");
        await Assertions.Expect(web.Page.Locator("#label-filters")).ToContainTextAsync("movies2");
        await web.Page.WaitForTimeoutAsync(20_000); // the rate graph fills a little
        await web.SelectAsync("Big Buck Bunny");
        string list = await web.ScreenshotAsync("webui-list");

        await web.OpenDetailsAsync("Big Buck Bunny", "general");
        await Assertions.Expect(web.Page.Locator("#panel-general")).ToContainTextAsync(movie.InfoHash.ToHex());
        await Assertions.Expect(web.Page.Locator("#panel-general")).ToContainTextAsync("Blender Foundation open movie");
        await web.Page.Locator("#tab-pieces").ClickAsync();
        await Assertions.Expect(web.Page.Locator("#panel-pieces")).ToContainTextAsync("pieces done");
        await web.Page.Locator("#tab-general").ClickAsync();
        string details = await web.ScreenshotAsync("webui-details");
        web.AssertNothingWentWrong();

        if (Environment.GetEnvironmentVariable("SHOAL_UPDATE_DOCS") == "1" && RepositoryDocs() is { } docs)
        {
            File.Copy(list, Path.Combine(docs, "webui-list.png"), overwrite: true);
            File.Copy(details, Path.Combine(docs, "webui-details.png"), overwrite: true);
        }
    }

    /// <summary>The repository's docs/ folder, found by walking up from the test assembly to Shoal.slnx.</summary>
    private static string? RepositoryDocs()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "Shoal.slnx"))) return Directory.CreateDirectory(Path.Combine(folder.FullName, "docs")).FullName;
        return null;
    }
}
