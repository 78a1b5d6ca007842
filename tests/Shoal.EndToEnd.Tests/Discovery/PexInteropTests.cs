using System.Net;
using Shoal.Client;
using Shoal.Storage;
using Shoal.Swarm;
using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;

namespace Shoal.EndToEnd.Tests.Discovery;

/// <summary>Peer exchange (BEP 11) through libtorrent: a Shoal leecher learns of a Shoal seeder from a libtorrent peer.</summary>
[Trait("Category", "Interop")]
public sealed class PexInteropTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Shoal_leecher_finds_the_seeder_through_PEX_from_a_libtorrent_peer()
    {
        ReferencePrograms.RequireLibtorrent();
        using var dir = new TempDirectory("pex-lt");
        var content = dir.WriteRandomFile("seed/payload.bin", 4 * 1024 * 1024, seed: 6);
        var info = TorrentFiles.ForFile(content, pieceLength: 32 * 1024);
        var torrentPath = dir.Combine("payload.torrent");
        await File.WriteAllBytesAsync(torrentPath, MinimalTorrent(info), Ct);

        // A: the Shoal seeder (no PEX of its own, so it never dials C itself).
        await using var a = await ShoalClient.StartAsync(new ClientOptions
        {
            Engine = new EngineSettings { ListenAddress = IPAddress.Loopback },
            EnablePex = false,
        });
        var seeding = await a.AddAsync(info, [], dir.Combine("seed"), ct: Ct);
        Assert.True(seeding.Session.IsComplete);

        // B: libtorrent in the middle with ut_pex, downloading from A far too slowly to serve C.
        await using var b = await LibtorrentPeer.DownloadAsync(torrentPath, dir.Combine("middle"), new LibtorrentOptions
        {
            EnablePex = true,
            DownloadRateLimit = 16 * 1024,
            ConnectTo = [a.Engine.ListenEndPoint],
        }, Ct);
        await b.WaitForStatusAsync(s => s.Peers >= 1, TimeSpan.FromSeconds(20), Ct);

        // C: the Shoal leecher, told only of B.
        await using var c = await ShoalClient.StartAsync(new ClientOptions
        {
            Engine = new EngineSettings { ListenAddress = IPAddress.Loopback, DownloadRateLimit = 2 * 1024 * 1024 },
        });
        var leeching = c.Add(info, [], new MemoryStorage(info));
        leeching.AddPeers([new IPEndPoint(IPAddress.Loopback, b.ListenPort)]);

        PeerStatus? seenA = null;
        var deadline = DateTime.UtcNow.AddSeconds(40);
        while (!leeching.Completion.IsCompleted && DateTime.UtcNow < deadline)
        {
            seenA ??= leeching.Status.Peers.FirstOrDefault(p => p.EndPoint.Equals(a.Engine.ListenEndPoint));
            await Task.Delay(20, Ct);
        }
        Assert.True(leeching.Completion.IsCompletedSuccessfully, $"leecher did not finish: {leeching.Status.PiecesVerified}/{info.PieceCount}\n{b.Describe()}");
        Assert.NotNull(seenA);
        Assert.Equal(PeerSource.PeerExchange, seenA.Source);
        Assert.True(b.LatestStatus!.Progress < 0.5, "the libtorrent peer should not have been able to serve everything");
    }

    /// <summary>A .torrent holding just the info dictionary (for libtorrent, which takes a file).</summary>
    private static byte[] MinimalTorrent(Shoal.Metainfo.TorrentInfo info) => [.. "d4:info"u8, .. info.RawInfo.Span, (byte)'e'];
}
