using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using Shoal.Browser.Tests.Infrastructure;
using Shoal.Metainfo;
using Shoal.Tests.Support;

namespace Shoal.Browser.Tests.Scenarios;

/// <summary>
/// 1,000 torrents in one daemon: how long the page takes to show them, how many bytes each update moves, and (with
/// SHOAL_WEBUI_FIGURES=1) the CPU the daemon spends serving one open page. Figures go to artifacts/figures-1000.txt.
/// The bounds asserted are loose (this machine is shared); the figures are what to read.
/// </summary>
public sealed class ThousandTorrentsTests(Chromium chromium)
{
    private const int Count = 1000;

    [Fact]
    public async Task A_thousand_torrents_show_quickly_and_idle_updates_stay_small()
    {
        var browser = chromium.Browser;
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory("webui-1000");
        await using var daemon = await DaemonProcess.StartAsync(dir.Combine("daemon"));
        var figures = new StringBuilder();
        void Figure(string line) => figures.AppendLine(CultureInfo.InvariantCulture, $"{line}");

        // 1,000 small torrents whose data is already in the download folder: after their check they seed, idle.
        var metainfo = new List<byte[]>(Count);
        for (int i = 0; i < Count; i++)
        {
            string data = dir.WriteRandomFile(Path.Combine("daemon", "downloads", $"item {i:0000}.bin"), 16 * 1024, seed: i + 1);
            var torrent = await new TorrentBuilder { PieceLength = 16 * 1024, Workers = 1, IncludeCreationDate = false }.BuildAsync(data, cancellationToken: ct);
            metainfo.Add(torrent.Encode());
        }
        var adding = Stopwatch.StartNew();
        foreach (var bytes in metainfo) await daemon.Rpc.AddTorrentAsync(bytes, paused: false, labels: [$"group {bytes[^1] % 4}"]);
        Figure($"adding {Count} torrents through the RPC (one torrent-add each, sequential): {adding.Elapsed.TotalSeconds:0.0} s");
        await Poll.UntilAsync(async () => await SeedingAsync(daemon) == Count, TimeSpan.FromMinutes(5), $"all {Count} torrents to seed");

        long fullLoad = await TorrentGetBytesAsync(daemon, null);
        long allActive = await TorrentGetBytesAsync(daemon, LiveFields());
        Figure($"first load (every field of the list, {Count} torrents, table format): {fullLoad:N0} bytes of JSON");
        Figure($"an update if all {Count} torrents were active (the list's live fields): {allActive:N0} bytes of JSON");

        await using var web = await WebPage.OpenAsync(browser, daemon.PageUrl);
        var page = web.Page;
        // (Polled from here: Playwright's WaitForFunction compiles its predicate in the page, which the CSP forbids.)
        await Poll.UntilAsync(async () => await page.EvaluateAsync<bool>("performance.getEntriesByName('shoal-list-shown').length > 0"),
            TimeSpan.FromSeconds(60), "the page to mark the list shown");
        double shownMs = await page.EvaluateAsync<double>("performance.getEntriesByName('shoal-list-shown')[0].startTime");
        double firstRpcMs = await page.EvaluateAsync<double>("performance.getEntriesByName('shoal-start')[0].startTime");
        Figure($"page shows {Count} torrents: {shownMs:0} ms after navigation start (scripts running from {firstRpcMs:0} ms)");
        await Assertions.Expect(page.Locator("#grid")).ToHaveAttributeAsync("aria-rowcount", (Count + 1).ToString(CultureInfo.InvariantCulture));
        int rendered = await web.Rows.CountAsync();
        Figure($"rows in the DOM for {Count} torrents: {rendered} (the list draws only what is on screen)");
        Assert.InRange(rendered, 10, 120);
        Assert.True(shownMs < 30_000, $"the list took {shownMs:0} ms");

        // Scroll to the end and back: the rows are recycled, the last torrent is reachable.
        await page.Locator("#grid-viewport").EvaluateAsync("v => v.scrollTop = v.scrollHeight");
        await Assertions.Expect(web.Row("item 0999.bin")).ToHaveCountAsync(1);
        await web.ScreenshotAsync("thousand-torrents");

        // Every RPC exchange (request and response, headers and bodies) over 20 s of updates, twice: while the torrents
        // still count as recently active (each changed in the last minute: added, checked, started), then once the
        // daemon reports none active, the steady state of an idle library.
        var busy = await MeasureUpdatesAsync(page);
        Figure($"bytes on the wire per update while all {Count} count as recently active (changed in the last 60 s): {busy:0}");
        await Poll.UntilAsync(async () => (await daemon.Rpc.CallAsync("torrent-get", new { ids = "recently-active", fields = new[] { "id" } }))
            .GetProperty("torrents").GetArrayLength() == 0, TimeSpan.FromSeconds(120), "no torrent to be recently active");
        double perUpdate = await MeasureUpdatesAsync(page);
        Figure($"bytes on the wire per update with {Count} idle torrents (torrent-get recently-active + session-stats, headers included): {perUpdate:0}");
        Assert.True(perUpdate < 4096, $"an idle update moved {perUpdate:0} bytes");

        if (Environment.GetEnvironmentVariable("SHOAL_WEBUI_FIGURES") == "1")
        {
            double withPage = await CpuPercentAsync(daemon.ProcessId, TimeSpan.FromSeconds(60));
            await page.CloseAsync();
            double withoutPage = await CpuPercentAsync(daemon.ProcessId, TimeSpan.FromSeconds(60));
            Figure($"daemon CPU over 60 s with the page open: {withPage:0.00}% of one core; with no page: {withoutPage:0.00}% (so the page costs {withPage - withoutPage:0.00}%)");
        }
        Figure($"(machine: {Environment.ProcessorCount} cores, shared with other builds; reproduce: SHOAL_WEBUI_FIGURES=1 dotnet test tests/Shoal.Browser.Tests -c Release --filter ThousandTorrents)");
        Artifacts.WriteText("figures-1000.txt", figures.ToString());
        web.AssertNothingWentWrong();
    }

    /// <summary>Average bytes (requests and responses, headers and bodies) of the page's RPC traffic per list update, over 20 s.</summary>
    private static async Task<double> MeasureUpdatesAsync(IPage page)
    {
        var exchanges = new List<(string Method, long Bytes)>();
        var pending = new List<Task>();
        async Task Record(IRequest request)
        {
            var sizes = await request.SizesAsync();
            string method = JsonDocument.Parse(request.PostData ?? "{}").RootElement.TryGetProperty("method", out var m) ? m.GetString() ?? "" : "";
            lock (exchanges) exchanges.Add((method, sizes.RequestHeadersSize + sizes.RequestBodySize + sizes.ResponseHeadersSize + sizes.ResponseBodySize));
        }
        void OnFinished(object? sender, IRequest request)
        {
            if (!request.Url.EndsWith("/transmission/rpc", StringComparison.Ordinal)) return;
            lock (pending) pending.Add(Record(request));
        }
        page.RequestFinished += OnFinished;
        await page.WaitForTimeoutAsync(20_500);
        page.RequestFinished -= OnFinished;
        Task[] waiting;
        lock (pending) waiting = [.. pending];
        await Task.WhenAll(waiting);
        lock (exchanges)
        {
            int updates = exchanges.Count(e => e.Method == "torrent-get");
            Assert.True(updates >= 5, $"only {updates} updates in 20 s");
            return (double)exchanges.Sum(e => e.Bytes) / updates;
        }
    }

    /// <summary>The list's per-update fields, as js/torrents.js asks for them.</summary>
    private static string[] LiveFields() =>
    [
        "id", "status", "error", "errorString", "percentDone", "sizeWhenDone", "leftUntilDone", "rateDownload", "rateUpload", "eta",
        "uploadRatio", "peersConnected", "peersSendingToUs", "peersGettingFromUs", "peersKnown", "labels", "queuePosition",
        "metadataPercentComplete", "recheckProgress", "isStalled",
    ];

    private static async Task<long> TorrentGetBytesAsync(DaemonProcess daemon, string[]? fields)
    {
        fields ??= [.. LiveFields().Union(["name", "hashString", "totalSize", "addedDate"])];
        var reply = await daemon.Rpc.CallAsync("torrent-get", new { fields, format = "table" });
        return Encoding.UTF8.GetByteCount(reply.GetRawText());
    }

    private static async Task<int> SeedingAsync(DaemonProcess daemon)
    {
        var reply = await daemon.Rpc.CallAsync("torrent-get", new { fields = new[] { "status" }, format = "table" });
        return reply.GetProperty("torrents").EnumerateArray().Skip(1).Count(row => row[0].GetInt32() == 6);
    }

    /// <summary>utime + stime of a process over a span, from /proc/PID/stat, as a percentage of one core.</summary>
    private static async Task<double> CpuPercentAsync(int pid, TimeSpan span)
    {
        static long Ticks(int pid)
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        long before = Ticks(pid);
        var clock = Stopwatch.StartNew();
        await Task.Delay(span, TestContext.Current.CancellationToken);
        long after = Ticks(pid);
        const double ticksPerSecond = 100; // USER_HZ on Linux
        return (after - before) / ticksPerSecond / clock.Elapsed.TotalSeconds * 100;
    }
}
