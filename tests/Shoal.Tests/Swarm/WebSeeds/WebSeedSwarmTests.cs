using System.Globalization;
using Shoal.Swarm;
using static Shoal.Tests.Swarm.WebSeeds.ScriptedHttpServer;

namespace Shoal.Tests.Swarm.WebSeeds;

/// <summary>
/// Web seeds as block sources of a torrent (an engine on fake time, in-memory storage, a scripted HTTP server on
/// 127.0.0.1): whole pieces from range requests, data verified like a peer's, bad data bans the seed, errors rest it
/// for the server's Retry-After, pausing stops its requests.
/// </summary>
public class WebSeedSwarmTests
{
    private const int Piece = 32 * 1024;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static (long From, long To) RangeOf(Request request)
    {
        var bounds = request.Headers["range"]["bytes=".Length..].Split('-');
        return (long.Parse(bounds[0], CultureInfo.InvariantCulture), long.Parse(bounds[1], CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task AWebSeedAloneDeliversEveryPieceWithOneRangeRequestPerPiece()
    {
        var content = SwarmTestData.RandomBytes(20 * Piece + 1234, seed: 5);
        var info = SwarmTestData.SingleFile(content, Piece);
        await using var server = new ScriptedHttpServer(Files(("/pub/data.bin", content)));
        await using var rig = new SwarmRig(new EngineSettings { RandomSeed = 1 }, info, content, seed: false);

        Assert.Equal(1, rig.Session.AddWebSeeds([server.Url("/pub/")], fromUser: true));
        Assert.Equal(0, rig.Session.AddWebSeeds([server.Url("/pub/")], fromUser: true)); // the same URL once
        await rig.Session.Completion.WaitAsync(TimeSpan.FromSeconds(20), Ct);

        Assert.Equal(content, SwarmTestData.ReadAll(rig.Storage));
        var status = rig.Session.GetStatus();
        var web = Assert.Single(status.WebSeeds);
        Assert.Equal(content.Length, web.Downloaded);
        Assert.Equal(content.Length, status.Downloaded);
        Assert.True(web.IsWorking);
        // Each request is one whole piece (rarest-first hands out whole free pieces), each piece asked once.
        var ranges = server.Requests.Select(RangeOf).OrderBy(r => r.From).ToList();
        Assert.Equal(info.PieceCount, ranges.Count);
        for (int piece = 0; piece < info.PieceCount; piece++)
            Assert.Equal(((long)piece * Piece, (long)piece * Piece + info.PieceSize(piece) - 1), ranges[piece]);
        Assert.InRange(server.Connections, 1, 4); // kept alive, at most the per-server bound
    }

    [Fact]
    public async Task ABigPieceIsFetchedInRequestsOfAtMostMaxRequestBytes()
    {
        const int big = 128 * 1024;
        var content = SwarmTestData.RandomBytes(3 * big, seed: 10);
        var info = SwarmTestData.SingleFile(content, big);
        await using var server = new ScriptedHttpServer(Files(("/data.bin", content)));
        var settings = new EngineSettings { RandomSeed = 6, WebSeeds = new Shoal.Swarm.WebSeeds.WebSeedOptions { MaxRequestBytes = 48 * 1024 } };
        await using var rig = new SwarmRig(settings, info, content, seed: false);

        rig.Session.AddWebSeeds([server.Url("/data.bin")], fromUser: true);
        await rig.Session.Completion.WaitAsync(TimeSpan.FromSeconds(20), Ct);

        Assert.Equal(content, SwarmTestData.ReadAll(rig.Storage));
        var lengths = server.Requests.Select(RangeOf).Select(r => r.To - r.From + 1).ToList();
        Assert.All(lengths, n => Assert.True(n <= 48 * 1024, $"{n} bytes in one request"));
        Assert.Equal(content.Length, lengths.Sum());
        Assert.Equal(9, lengths.Count); // each 128 KiB piece as 48 + 48 + 32 KiB
    }

    [Fact]
    public async Task AMultiFileTorrentComesFromOneRangePerFileOfEachPiece()
    {
        var content = SwarmTestData.RandomBytes(5 * Piece, seed: 6);
        long[] lengths = [Piece + 100, 2 * Piece, 2 * Piece - 100];
        var info = SwarmTestData.MultiFile(content, Piece, lengths);
        var files = new List<(string, byte[])>();
        long offset = 0;
        for (int i = 0; i < lengths.Length; offset += lengths[i], i++) files.Add(($"/m/album/f{i}.bin", content[(int)offset..(int)(offset + lengths[i])]));
        await using var server = new ScriptedHttpServer(Files([.. files]));
        await using var rig = new SwarmRig(new EngineSettings { RandomSeed = 2 }, info, content, seed: false);

        rig.Session.AddWebSeeds([server.Url("/m")], fromUser: true);
        await rig.Session.Completion.WaitAsync(TimeSpan.FromSeconds(20), Ct);

        Assert.Equal(content, SwarmTestData.ReadAll(rig.Storage));
        Assert.All(server.Requests, r => Assert.StartsWith("/m/album/f", r.Path));
        Assert.Equal(info.PieceCount + 2, server.Requests.Count); // two pieces span two files
    }

    [Fact]
    public async Task ASeedServingBadDataIsBannedAndAnotherSourceFinishes()
    {
        var content = SwarmTestData.RandomBytes(12 * Piece, seed: 7);
        var info = SwarmTestData.SingleFile(content, Piece);
        var corrupt = content.ToArray();
        for (int piece = 0; piece < info.PieceCount; piece++) corrupt[piece * Piece + 7] ^= 0xFF;
        await using var bad = new ScriptedHttpServer(Files(("/data.bin", corrupt)));
        await using var good = new ScriptedHttpServer(Files(("/data.bin", content)));
        await using var rig = new SwarmRig(new EngineSettings { RandomSeed = 3 }, info, content, seed: false);

        rig.Session.AddWebSeeds([bad.Url("/data.bin")], fromUser: true);
        await rig.WaitUntilAsync(() => rig.Session.GetStatus().WebSeeds.Single() is { IsBanned: true, IsFetching: false }, Ct);
        int askedOfBad = bad.Requests.Count; // requests under way when the bad piece failed have ended: nothing is asked after
        Assert.False(rig.Session.IsComplete);

        rig.Session.AddWebSeeds([good.Url("/data.bin")], fromUser: true);
        await rig.Session.Completion.WaitAsync(TimeSpan.FromSeconds(20), Ct);

        Assert.Equal(content, SwarmTestData.ReadAll(rig.Storage));
        var status = rig.Session.GetStatus();
        Assert.True(status.WebSeeds[0].IsBanned);
        Assert.Contains("failed verification", status.WebSeeds[0].LastError);
        Assert.True(status.HashFailures >= 1);
        Assert.Equal(askedOfBad, bad.Requests.Count); // never asked again once banned
        Assert.Contains("dropped", rig.Logs.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A503WithRetryAfterRestsTheSeedForThatLongThenTheDownloadCompletes()
    {
        var content = SwarmTestData.RandomBytes(8 * Piece, seed: 8);
        var info = SwarmTestData.SingleFile(content, Piece);
        bool busy = true;
        await using var server = new ScriptedHttpServer(r => Volatile.Read(ref busy)
            ? Response.Of(503, "busy"u8.ToArray(), ("Retry-After", "30"))
            : Ranged(r, content));
        await using var rig = new SwarmRig(new EngineSettings { RandomSeed = 4 }, info, content, seed: false);

        rig.Session.AddWebSeeds([server.Url("/data.bin")], fromUser: true);
        await rig.WaitUntilAsync(() => rig.Session.GetStatus().WebSeeds.Single() is { RetryAt: not null, IsFetching: false }, Ct);
        var web = rig.Session.GetStatus().WebSeeds.Single();
        // The server's 30 s, not the 5 s a 5xx without Retry-After would rest it for.
        Assert.Equal(TimeSpan.FromSeconds(30), web.RetryAt!.Value - rig.Time.GetUtcNow());
        Assert.Contains("HTTP 503", web.LastError);
        Volatile.Write(ref busy, false);
        int asked = server.Requests.Count;
        rig.Advance(29);
        await Task.Delay(200, Ct);
        Assert.Equal(asked, server.Requests.Count); // nothing asked before the server's time
        Assert.False(rig.Session.IsComplete);

        rig.Advance(1);
        await rig.Session.Completion.WaitAsync(TimeSpan.FromSeconds(20), Ct);
        Assert.Equal(content, SwarmTestData.ReadAll(rig.Storage));
        Assert.True(rig.Session.GetStatus().WebSeeds.Single().IsWorking);
    }

    [Fact]
    public async Task PausingStopsTheRequestsAndResumingFinishes()
    {
        var content = SwarmTestData.RandomBytes(16 * Piece, seed: 9);
        var info = SwarmTestData.SingleFile(content, Piece);
        var gate = new ManualResetEventSlim(false);
        int answered = 0;
        await using var server = new ScriptedHttpServer(r =>
        {
            if (Interlocked.Increment(ref answered) > 2) gate.Wait(TimeSpan.FromSeconds(10));
            return Ranged(r, content);
        });
        await using var rig = new SwarmRig(new EngineSettings { RandomSeed = 5 }, info, content, seed: false);

        rig.Session.AddWebSeeds([server.Url("/data.bin")], fromUser: true);
        await rig.WaitUntilAsync(() => server.Requests.Count > 2, Ct);
        var pause = rig.Session.PauseAsync();
        gate.Set();
        await pause.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        await Task.Delay(200, Ct); // a request written just before the pause may still reach the server
        int asked = server.Requests.Count;
        await Task.Delay(300, Ct);
        Assert.Equal(asked, server.Requests.Count);
        Assert.False(rig.Session.GetStatus().WebSeeds.Single().IsFetching);

        rig.Session.Resume();
        await rig.Session.Completion.WaitAsync(TimeSpan.FromSeconds(20), Ct);
        Assert.Equal(content, SwarmTestData.ReadAll(rig.Storage));
    }
}
