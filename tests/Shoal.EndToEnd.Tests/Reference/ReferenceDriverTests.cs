using Shoal.Metainfo;
using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;

namespace Shoal.EndToEnd.Tests.Reference;

/// <summary>The drivers' own promises: bounded waits that explain themselves, processes gone after dispose,
/// opentracker's whitelist handled, torrents made by libtorrent readable by Shoal.</summary>
[Trait("Category", "Interop")]
public sealed class ReferenceDriverTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Opentracker_refuses_a_torrent_until_it_is_allowed()
    {
        ReferencePrograms.Require("opentracker");
        await using var tracker = await OpenTrackerProcess.StartAsync(cancellationToken: Ct);
        var listed = InfoHash.Parse("0123456789abcdef0123456789abcdef01234567");
        var other = InfoHash.Parse("fedcba9876543210fedcba9876543210fedcba98");

        Assert.False(await tracker.AcceptsAsync(listed, Ct));
        await tracker.AllowAsync(listed, cancellationToken: Ct);

        Assert.True(await tracker.AcceptsAsync(listed, Ct));
        Assert.False(await tracker.AcceptsAsync(other, Ct));
        Assert.Equal(default, await tracker.ScrapeAsync(listed, Ct)); // the probes left no peer behind
    }

    [Fact]
    public async Task A_torrent_made_by_libtorrent_has_the_info_hash_Shoal_computes()
    {
        ReferencePrograms.RequireLibtorrent();
        using var dir = new TempDirectory("interop");
        var content = dir.WriteRandomFile("data/file.bin", 1_000_000, seed: 9);

        var torrent = await LibtorrentPeer.CreateTorrentAsync(content, dir.Combine("file.torrent"),
            ["http://127.0.0.1:1/announce"], pieceLength: 32 * 1024, cancellationToken: Ct);
        var info = TorrentInfo.Parse(InfoDictionary(await File.ReadAllBytesAsync(torrent.TorrentPath, Ct)));

        Assert.Equal(torrent.InfoHash, info.InfoHash);
        Assert.Equal(32 * 1024, info.PieceLength);
        Assert.Equal(1_000_000, info.TotalLength);
        Assert.Equal("file.bin", info.Name);
    }

    [Fact]
    public async Task A_wait_that_times_out_says_what_the_program_printed()
    {
        ReferencePrograms.RequireLibtorrent();
        using var dir = new TempDirectory("interop");
        var content = dir.WriteRandomFile("data/lonely.bin", 100_000, seed: 5);
        var torrent = await LibtorrentPeer.CreateTorrentAsync(content, dir.Combine("lonely.torrent"), cancellationToken: Ct);
        await using var leecher = await LibtorrentPeer.DownloadAsync(torrent.TorrentPath, dir.Combine("empty"), cancellationToken: Ct);

        // No tracker and no peer: it can never finish.
        var error = await Assert.ThrowsAsync<TimeoutException>(() => leecher.WaitForCompletionAsync(TimeSpan.FromSeconds(1), Ct));

        Assert.Contains("lt_peer.py download", error.Message, StringComparison.Ordinal);
        Assert.Contains("\"event\": \"listening\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_program_that_dies_at_start_fails_the_start_with_its_own_words()
    {
        ReferencePrograms.RequireLibtorrent();
        using var dir = new TempDirectory("interop");
        var content = dir.WriteRandomFile("data/y.bin", 10_000, seed: 8);
        var torrent = await LibtorrentPeer.CreateTorrentAsync(content, dir.Combine("y.torrent"), cancellationToken: Ct);
        var options = new LibtorrentOptions { ExtraSettings = new Dictionary<string, string> { ["no_such_setting"] = "1" } };

        var error = await Assert.ThrowsAsync<ReferencePeerException>(() =>
            LibtorrentPeer.SeedAsync(torrent.TorrentPath, dir.Combine("data"), options, Ct));

        Assert.Contains("unknown name in settings_pack: no_such_setting", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disposing_a_peer_ends_its_process()
    {
        ReferencePrograms.Require("aria2c");
        ReferencePrograms.RequireLibtorrent();
        using var dir = new TempDirectory("interop");
        var content = dir.WriteRandomFile("data/x.bin", 100_000, seed: 6);
        var torrent = await LibtorrentPeer.CreateTorrentAsync(content, dir.Combine("x.torrent"), ["http://127.0.0.1:1/announce"],
            cancellationToken: Ct);
        var seeder = await Aria2Peer.SeedAsync(torrent.TorrentPath, dir.Combine("data"), cancellationToken: Ct);
        await seeder.WaitForCompletionAsync(TimeSpan.FromSeconds(20), Ct);
        int pid = seeder.ProcessId!.Value;
        Assert.True(Directory.Exists($"/proc/{pid}"));

        await seeder.DisposeAsync();

        Assert.False(Directory.Exists($"/proc/{pid}"), $"aria2 (pid {pid}) still runs after dispose");
    }

    /// <summary>TorrentInfo.Parse takes the bencoded info dictionary; a .torrent wraps it.</summary>
    private static byte[] InfoDictionary(byte[] torrent)
    {
        var root = (Shoal.Bencoding.BDictionary)Shoal.Bencoding.BValue.Parse(torrent);
        return root["info"]!.Encode();
    }
}
