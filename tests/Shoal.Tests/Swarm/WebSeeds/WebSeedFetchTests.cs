using Microsoft.Extensions.Time.Testing;
using Shoal.Metainfo;
using Shoal.Swarm.WebSeeds;
using Shoal.Tests.Metainfo;
using static Shoal.Tests.Swarm.WebSeeds.ScriptedHttpServer;

namespace Shoal.Tests.Swarm.WebSeeds;

/// <summary>A web seed against a scripted HTTP server on 127.0.0.1: ranges, keep-alive, redirects, errors and their back-off.</summary>
public class WebSeedFetchTests
{
    private const int Piece = 32 * 1024;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly byte[] Data = V2Samples.Data(100_000, 11);
    private static readonly TorrentInfo SingleFile = TorrentInfo.Parse(TorrentSamples.SingleFileInfo("f.bin", Data.Length, Piece).Encode());

    private static (WebSeed Seed, WebSeedClient Client, FakeTimeProvider Time) Seed(Uri url, TorrentInfo? info = null, bool fromUser = true,
        WebSeedOptions? options = null)
    {
        var time = new FakeTimeProvider();
        var client = new WebSeedClient(options, time);
        return (new WebSeed(url, info ?? SingleFile, client, fromUser, new Random(3)), client, time);
    }

    private static async Task<byte[]> FetchPieceAsync(WebSeed seed, TorrentInfo info, int piece)
    {
        var buffer = new byte[info.PieceSize(piece)];
        await seed.FetchAsync(piece, 0, buffer.Length, buffer, Ct);
        return buffer;
    }

    [Fact]
    public async Task PiecesComeFromRangeRequestsOverOneKeptAliveConnection()
    {
        await using var server = new ScriptedHttpServer(Files(("/files/f.bin", Data)));
        var (seed, client, _) = Seed(server.Url("/files/"));
        using var _ = client;
        for (int piece = 0; piece < SingleFile.PieceCount; piece++)
            Assert.Equal(Data.AsSpan(piece * Piece, SingleFile.PieceSize(piece)).ToArray(), await FetchPieceAsync(seed, SingleFile, piece));

        var block = new byte[1000];
        await seed.FetchAsync(2, 5000, 1000, block, Ct);
        Assert.Equal(Data.AsSpan(2 * Piece + 5000, 1000).ToArray(), block);
        Assert.Equal(["bytes=0-32767", "bytes=32768-65535", "bytes=65536-98303", "bytes=98304-99999", "bytes=70536-71535"],
            server.Requests.Select(r => r.Headers["range"]));
        Assert.Equal(1, server.Connections);
        Assert.All(server.Requests, r => Assert.Equal("identity", r.Headers["accept-encoding"]));
        Assert.StartsWith("Shoal/", server.Requests[0].Headers["user-agent"]);
        Assert.Equal(Data.Length + 1000, seed.Downloaded);
    }

    [Fact]
    public async Task APieceAcrossFilesIsOneRangePerFileAndPaddingIsZeros()
    {
        var a = V2Samples.Data(40_000, 1);
        var c = V2Samples.Data(30_000, 2);
        var info = TorrentInfo.Parse(TorrentSamples.MultiFileInfo("album", Piece,
            [("a", a.Length, false), (".pad/25536", 25_536, true), ("b/c d", c.Length, false)]).Encode());
        await using var server = new ScriptedHttpServer(Files(("/pub/album/a", a), ("/pub/album/b/c%20d", c)));
        var (seed, client, _) = Seed(server.Url("/pub"), info);
        using var _ = client;

        var piece1 = await FetchPieceAsync(seed, info, 1);
        Assert.Equal(a[Piece..].Concat(new byte[25_536]), piece1);
        var piece2 = await FetchPieceAsync(seed, info, 2);
        Assert.Equal(c, piece2);
        Assert.Equal(["/pub/album/a"], server.Requests.Take(1).Select(r => r.Path)); // the padding was never asked for

        var plain = TorrentInfo.Parse(TorrentSamples.MultiFileInfo("album", Piece, [("a", a.Length, false), ("b/c d", c.Length, false)]).Encode());
        var (spanning, spanningClient, _) = Seed(server.Url("/pub/"), plain);
        using var __ = spanningClient;
        var spanned = await FetchPieceAsync(spanning, plain, 1);
        Assert.Equal(a[Piece..].Concat(c[..(Piece - (a.Length - Piece))]), spanned);
        Assert.Equal(["bytes=32768-39999", "bytes=0-25535"], server.Requests.TakeLast(2).Select(r => r.Headers["range"]));
    }

    [Fact]
    public async Task A503WithRetryAfterRestsTheSeedThenItIsRetried()
    {
        int calls = 0;
        await using var server = new ScriptedHttpServer(r => Interlocked.Increment(ref calls) == 1
            ? Response.Of(503, "busy"u8.ToArray(), ("Retry-After", "2"))
            : Ranged(r, Data));
        var (seed, client, time) = Seed(server.Url("/f.bin"));
        using var _ = client;

        var ex = await Assert.ThrowsAsync<WebSeedException>(() => FetchPieceAsync(seed, SingleFile, 0));
        Assert.Equal(WebSeedFailure.ServerError, ex.Failure);
        Assert.Equal(TimeSpan.FromSeconds(2), ex.RetryAfter);
        Assert.Contains("HTTP 503", seed.LastError);
        Assert.False(seed.IsReady);
        Assert.Equal(time.GetUtcNow() + TimeSpan.FromSeconds(2), seed.Backoff.RetryAt);
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.True(seed.IsReady);

        Assert.Equal(Data.AsSpan(0, Piece).ToArray(), await FetchPieceAsync(seed, SingleFile, 0));
        Assert.Null(seed.LastError);
        Assert.Equal(0, seed.Backoff.FailuresInARow);
    }

    [Fact]
    public async Task NotFoundAndRefusalsRestTheSeedLonger()
    {
        await using var server = new ScriptedHttpServer(r => r.Path == "/forbidden" ? Response.Of(403) : Response.Of(404));
        var (seed, client, time) = Seed(server.Url("/missing"));
        using var _ = client;
        Assert.Equal(WebSeedFailure.NotFound, (await Assert.ThrowsAsync<WebSeedException>(() => FetchPieceAsync(seed, SingleFile, 0))).Failure);
        Assert.InRange((seed.Backoff.RetryAt - time.GetUtcNow()).TotalSeconds, 48, 72);

        var (forbidden, client2, _) = Seed(server.Url("/forbidden"));
        using var __ = client2;
        Assert.Equal(WebSeedFailure.Refused, (await Assert.ThrowsAsync<WebSeedException>(() => FetchPieceAsync(forbidden, SingleFile, 0))).Failure);
    }

    [Fact]
    public async Task ASilentServerTimesOutOnTheInjectedClock()
    {
        await using var server = new ScriptedHttpServer(_ => null);
        var (seed, client, time) = Seed(server.Url("/f.bin"), options: new WebSeedOptions { RequestTimeout = TimeSpan.FromSeconds(20) });
        using var _ = client;
        var fetch = FetchPieceAsync(seed, SingleFile, 0);
        await server.Unanswered.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.False(fetch.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(20));
        var ex = await Assert.ThrowsAsync<WebSeedException>(() => fetch.WaitAsync(TimeSpan.FromSeconds(30), Ct));
        Assert.Equal(WebSeedFailure.Timeout, ex.Failure);
        Assert.InRange((seed.Backoff.RetryAt - time.GetUtcNow()).TotalSeconds, 4, 6);
    }

    [Fact]
    public async Task RedirectsAreFollowedWithinTheLimit()
    {
        await using var server = new ScriptedHttpServer(r => r.Path switch
        {
            "/old/f.bin" => Response.Of(302, null, ("Location", "/new/f.bin")),
            "/new/f.bin" => Ranged(r, Data),
            _ => Response.Of(302, null, ("Location", r.Path)), // a loop
        });
        var (seed, client, _) = Seed(server.Url("/old/f.bin"));
        using var _ = client;
        Assert.Equal(Data.AsSpan(0, Piece).ToArray(), await FetchPieceAsync(seed, SingleFile, 0));

        var (loop, loopClient, _) = Seed(server.Url("/loop"));
        using var __ = loopClient;
        int before = server.Requests.Count;
        var ex = await Assert.ThrowsAsync<WebSeedException>(() => FetchPieceAsync(loop, SingleFile, 0));
        Assert.Equal(WebSeedFailure.Refused, ex.Failure);
        Assert.Contains("more than 5 redirects", ex.Message);
        Assert.Equal(6, server.Requests.Count - before);
    }

    [Fact]
    public async Task AnswersThatAreNotTheRangeAskedForAreRejected()
    {
        await using var server = new ScriptedHttpServer(r => r.Path switch
        {
            "/shifted" => Response.Of(206, Data[1..Piece], ("Content-Range", $"bytes 1-{Piece - 1}/{Data.Length}")),
            "/longer" => new Response(206, Data[..(Piece + 10)], [("Content-Range", $"bytes 0-{Piece - 1}/{Data.Length}")], Close: true, OmitLength: true),
            "/short" => new Response(206, Data[..100], [("Content-Range", $"bytes 0-{Piece - 1}/{Data.Length}")], Close: true, OmitLength: true),
            _ => Response.Of(200, Data), // ignores Range
        });
        async Task<WebSeedException> FailsAsync(string path, int piece = 0)
        {
            var (seed, client, _) = Seed(server.Url(path));
            using var _ = client;
            return await Assert.ThrowsAsync<WebSeedException>(() => FetchPieceAsync(seed, SingleFile, piece));
        }
        Assert.Contains("answered bytes 1-", (await FailsAsync("/shifted")).Message);
        Assert.Contains("sent more than", (await FailsAsync("/longer")).Message);
        Assert.Contains("ended after 100", (await FailsAsync("/short")).Message);
        Assert.Equal(WebSeedFailure.Refused, (await FailsAsync("/whole", piece: 1)).Failure);

        var (whole, wholeClient, _) = Seed(server.Url("/whole")); // a range from the start of a file is cut from a 200
        using var __ = wholeClient;
        Assert.Equal(Data.AsSpan(0, Piece).ToArray(), await FetchPieceAsync(whole, SingleFile, 0));
    }

    [Fact]
    public async Task APrivateAddressIsUsedOnlyForTheUsersOwnTorrents()
    {
        await using var server = new ScriptedHttpServer(Files(("/f.bin", Data)));
        var (stranger, client, _) = Seed(server.Url("/f.bin"), fromUser: false);
        using var _ = client;
        var ex = await Assert.ThrowsAsync<WebSeedException>(() => FetchPieceAsync(stranger, SingleFile, 0));
        Assert.Equal(WebSeedFailure.AddressNotAllowed, ex.Failure);
        Assert.Contains("private address", ex.Message);
        Assert.Equal(0, server.Connections); // refused before connecting

        // Nor through a redirect from a page the user trusts less than it seems: the check runs at every connection.
        var own = new WebSeed(server.Url("/f.bin"), SingleFile, client, fromUser: true);
        Assert.Equal(Data.AsSpan(0, Piece).ToArray(), await FetchPieceAsync(own, SingleFile, 0));
    }

    [Fact]
    public async Task BadDataDropsTheSeedForGood()
    {
        await using var server = new ScriptedHttpServer(Files(("/f.bin", Data)));
        var (seed, client, time) = Seed(server.Url("/f.bin"));
        using var _ = client;
        await FetchPieceAsync(seed, SingleFile, 0);
        seed.ReportBadData();
        time.Advance(TimeSpan.FromDays(1));
        Assert.False(seed.IsReady);
        Assert.Equal(WebSeedFailure.BadData, (await Assert.ThrowsAsync<WebSeedException>(() => FetchPieceAsync(seed, SingleFile, 1))).Failure);
        Assert.Single(server.Requests);
    }
}
