using Shoal.Metainfo;
using Shoal.Storage;
using Shoal.Swarm.V2;
using Shoal.Swarm.WebSeeds;
using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;

namespace Shoal.EndToEnd.Tests.WebSeeds;

/// <summary>
/// Web seeds (BEP 19) against Debian's nginx on 127.0.0.1, configured by the test: every piece of a single-file and a
/// multi-file torrent comes from range requests over kept-alive connections and verifies (SHA-1, and merkle roots for a
/// hybrid); a corrupted file is caught by verification and the seed dropped; a missing file rests the seed.
/// </summary>
[Trait("Category", "Interop")]
public sealed class NginxWebSeedTests
{
    private const int Piece = 64 * 1024;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<(NginxServer Server, TempDirectory Dir)> StartAsync() => WebSeedSite.StartAsync("webseed");

    private static async Task<Torrent> BuildAsync(string path, TorrentFormat format = TorrentFormat.V1) =>
        await new TorrentBuilder { PieceLength = Piece, Format = format, IncludeCreationDate = false }.BuildAsync(path, cancellationToken: Ct);

    /// <summary>Every piece from the seed, four at a time; returns the pieces that failed SHA-1 verification.</summary>
    private static async Task<List<int>> FetchAllAsync(WebSeed seed, TorrentInfo info, MerkleHashStore? merkle = null)
    {
        var failed = new List<int>();
        var gate = new SemaphoreSlim(4);
        var tasks = Enumerable.Range(0, info.PieceCount).Select(async piece =>
        {
            await gate.WaitAsync(Ct);
            try
            {
                var buffer = new byte[info.PieceSize(piece)];
                await seed.FetchAsync(piece, 0, buffer.Length, buffer, Ct);
                bool good = PieceHasher.Verify(info, piece, buffer);
                if (merkle is not null) good &= merkle.CheckPiece(piece, buffer.AsSpan(0, merkle.PieceDataLength(piece))) == PieceCheck.Passed;
                if (!good) lock (failed) failed.Add(piece);
            }
            finally
            {
                gate.Release();
            }
        });
        await Task.WhenAll(tasks);
        return failed;
    }

    [Fact]
    public async Task ASingleFileTorrentComesWholeFromNginxOverKeptAliveConnections()
    {
        var (server, dir) = await StartAsync();
        await using var _ = server;
        using var __ = dir;
        var path = dir.WriteRandomFile("www/files/movie file.mkv", 3_000_017, seed: 4);
        var torrent = await BuildAsync(path);
        using var client = new WebSeedClient();
        var seed = new WebSeed(server.Url("/files/"), torrent.Info, client, fromUser: true);

        Assert.Empty(await FetchAllAsync(seed, torrent.Info));
        Assert.Equal(3_000_017, seed.Downloaded);
        var log = await server.AccessLogAsync(torrent.Info.PieceCount);
        Assert.Equal(torrent.Info.PieceCount, log.Count);
        Assert.All(log, entry => Assert.Equal(206, entry.Status));
        Assert.All(log, entry => Assert.StartsWith("GET /files/movie%20file.mkv HTTP/1.1", entry.Line));
        // Keep-alive: far fewer connections than requests, never more than the per-server bound.
        int connections = log.Select(e => e.Connection).Distinct().Count();
        Assert.InRange(connections, 1, client.Options.MaxConnectionsPerServer);
        Assert.True(log.Max(e => e.Request) > 1);
    }

    [Fact]
    public async Task AMultiFileHybridComesFromOneRangeRequestPerFileAndVerifiesBothWays()
    {
        var (server, dir) = await StartAsync();
        await using var _ = server;
        using var __ = dir;
        WebSeedSite.WriteAlbum(dir);
        var torrent = await BuildAsync(dir.Combine("www/pub/album"), TorrentFormat.Hybrid);
        using var client = new WebSeedClient();
        var seed = new WebSeed(server.Url("/pub"), torrent.Info, client, fromUser: true);

        Assert.Empty(await FetchAllAsync(seed, torrent.Info, new MerkleHashStore(torrent.Info, torrent.PieceLayers)));
        var requested = server.AccessLog().Select(e => e.Line.Split(' ')[1]).Distinct().Order().ToList();
        Assert.Equal(["/pub/album/01%20intro.flac", "/pub/album/cover%20%C3%A9.jpg", "/pub/album/extras/notes.txt"], requested);

        // A plain v1 torrent of the same folder: pieces span files, so some pieces take two range requests.
        var plain = await BuildAsync(dir.Combine("www/pub/album"));
        var plainSeed = new WebSeed(server.Url("/pub/"), plain.Info, client, fromUser: true);
        Assert.Empty(await FetchAllAsync(plainSeed, plain.Info));
    }

    [Fact]
    public async Task ACorruptedFileFailsVerificationAndTheSeedIsDropped()
    {
        var (server, dir) = await StartAsync();
        await using var _ = server;
        using var __ = dir;
        var path = dir.WriteRandomFile("www/data.bin", 1_000_000, seed: 7);
        var torrent = await BuildAsync(path);
        var bytes = File.ReadAllBytes(path);
        bytes[3 * Piece + 100] ^= 0x5A;
        File.WriteAllBytes(path, bytes);
        using var client = new WebSeedClient();
        var seed = new WebSeed(server.Url("/data.bin"), torrent.Info, client, fromUser: true);

        var buffer = new byte[Piece];
        for (int piece = 0; piece < torrent.Info.PieceCount; piece++)
        {
            var data = buffer.AsMemory(0, torrent.Info.PieceSize(piece));
            await seed.FetchAsync(piece, 0, data.Length, data, Ct);
            if (PieceHasher.Verify(torrent.Info, piece, data.Span)) continue;
            Assert.Equal(3, piece);
            seed.ReportBadData(); // what the engine does with a source of bad data
            break;
        }
        Assert.False(seed.IsReady);
        var ex = await Assert.ThrowsAsync<WebSeedException>(() => seed.FetchAsync(4, 0, Piece, buffer, Ct));
        Assert.Equal(WebSeedFailure.BadData, ex.Failure);
        Assert.Equal(4, (await server.AccessLogAsync(4)).Count); // nothing asked of it after the bad piece
    }

    [Fact]
    public async Task AMissingFileRestsTheSeed()
    {
        var (server, dir) = await StartAsync();
        await using var _ = server;
        using var __ = dir;
        var path = dir.WriteRandomFile("elsewhere/data.bin", 100_000, seed: 7);
        var torrent = await BuildAsync(path);
        using var client = new WebSeedClient();
        var seed = new WebSeed(server.Url("/"), torrent.Info, client, fromUser: true);
        var ex = await Assert.ThrowsAsync<WebSeedException>(() => seed.FetchAsync(0, 0, Piece, new byte[Piece], Ct));
        Assert.Equal(WebSeedFailure.NotFound, ex.Failure);
        Assert.False(seed.IsReady);
        Assert.Contains("HTTP 404", seed.LastError);
    }
}
