using Microsoft.Playwright;
using Shoal.Browser.Tests.Infrastructure;
using Shoal.Tests.Support;

namespace Shoal.Browser.Tests.Scenarios;

/// <summary>"Download in order" ticked in the page: the pieces then arrive from the start of the file, not rarest first.</summary>
public sealed class DownloadOrderTests(Chromium chromium)
{
    private const int PieceLength = 256 * 1024;
    private const int Pieces = 96;

    [Fact]
    public async Task Download_in_order_ticked_in_the_page_fetches_the_pieces_from_the_start()
    {
        using var dir = new TempDirectory("webui-order");
        await using var swarm = await LoopbackSwarm.StartAsync(dir);
        var (torrent, torrentPath, _) = await swarm.MakeTorrentAsync("film.bin", [("film.bin", (long)Pieces * PieceLength)], PieceLength);
        // Slow enough that the order shows long before the end.
        var seeder = await swarm.SeedAsync(torrentPath, uploadLimitBytesPerSecond: 2_000_000);
        await using var daemon = await DaemonProcess.StartAsync(dir.Combine("daemon"));
        int id = await daemon.Rpc.AddTorrentAsync(torrent.Encode(), paused: true);

        await using var web = await WebPage.OpenAsync(chromium.Browser, daemon.PageUrl);
        await web.OpenDetailsAsync("film.bin", "general");
        var box = web.Page.Locator("#sequential");
        await Assertions.Expect(box).Not.ToBeCheckedAsync();
        await box.CheckAsync();
        await Poll.UntilAsync(async () => (await daemon.Rpc.GetAsync(id, "sequentialDownload"))?.GetProperty("sequentialDownload").GetBoolean() == true,
            TimeSpan.FromSeconds(10), "the daemon to hold the torrent's download order");

        await daemon.Rpc.CallAsync("torrent-start", new { ids = new[] { id } });
        byte[] have = [];
        await Poll.UntilAsync(async () =>
        {
            have = Convert.FromBase64String((await daemon.Rpc.GetAsync(id, "pieces"))!.Value.GetProperty("pieces").GetString()!);
            return Count(have) >= Pieces / 4;
        }, TimeSpan.FromSeconds(60), "a quarter of the pieces to arrive");

        // In order, what has arrived is the head of the file but for the few pieces still in flight; rarest first among
        // equals is random, and a quarter of random pieces reaches far past the first third.
        int count = Count(have), highest = Highest(have);
        Assert.True(highest < count + 8, $"{count} pieces arrived, the highest is piece {highest}: not downloaded in order");
        await Assertions.Expect(box).ToBeCheckedAsync();
        web.AssertNothingWentWrong();
        GC.KeepAlive(seeder);
    }

    private static int Count(byte[] bits) => bits.Sum(b => System.Numerics.BitOperations.PopCount(b));

    private static int Highest(byte[] bits)
    {
        for (int i = bits.Length * 8 - 1; i >= 0; i--)
            if ((bits[i / 8] & (0x80 >> (i % 8))) != 0) return i;
        return -1;
    }
}
