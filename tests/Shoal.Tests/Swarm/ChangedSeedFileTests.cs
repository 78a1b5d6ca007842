using System.Net;
using Microsoft.Extensions.Time.Testing;
using Shoal.Storage;
using Shoal.Swarm;
using Shoal.Tests.Support;

namespace Shoal.Tests.Swarm;

/// <summary>
/// A seeder whose file changed behind its back (its resume record still vouching for it): the bad piece is never served,
/// is dropped from what the seeder has, and is fetched again; leechers see rejects, never bad data.
/// </summary>
[Trait("Category", "Hostile")]
public sealed class ChangedSeedFileTests
{
    private static readonly EngineSettings Settings = new() { ListenAddress = IPAddress.Loopback, AllowLoopbackPeers = true, RandomSeed = 41 };

    private readonly FakeTimeProvider _time = new();

    private ClientEngine Start(InMemoryNetwork network) => ClientEngine.Start(Settings, network.NewHost(), _time);

    [Fact]
    public async Task A_seeder_never_serves_a_piece_changed_on_disk_drops_it_and_fetches_it_again()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory("changed-seed");
        var content = SwarmTestData.RandomBytes(1024 * 1024, seed: 41);
        var info = SwarmTestData.SingleFile(content, pieceLength: 32 * 1024);
        string file = dir.Combine("data.bin");
        await File.WriteAllBytesAsync(file, content, ct);
        var options = new StorageOptions { TimeProvider = new FakeTimeProvider(), ReadCacheBytes = 0 };
        // A first run checks the file and leaves a resume record; the seeder below starts on its word.
        await (await FileStorage.OpenAsync(info, dir.Path, options, null, ct)).DisposeAsync();
        await using var storage = await FileStorage.OpenAsync(info, dir.Path, options, null, ct);
        Assert.Equal(info.PieceCount, storage.Counts.Resumed);
        const int bad = 7;
        await using (var stream = new FileStream(file, FileMode.Open, FileAccess.Write))
        {
            stream.Position = bad * 32 * 1024 + 5000;
            stream.Write(new byte[4096]);
        }

        var network = new InMemoryNetwork();
        await using var seedEngine = Start(network);
        var seeder = seedEngine.AddTorrent(info, storage);
        await using var leechEngine = Start(network);
        var leecherStorage = new MemoryStorage(info);
        var leecher = leechEngine.AddTorrent(info, leecherStorage);
        leecher.AddPeers([seedEngine.ListenEndPoint], PeerSource.Manual);

        // Everything but the changed piece arrives; the changed one is dropped by the seeder, not sent.
        await RunUntilAsync(() => leecherStorage.Verified.SetCount == info.PieceCount - 1 && !storage.Verified[bad], ct);
        Assert.False(leecherStorage.Verified[bad]);
        Assert.False(seeder.GetStatus().PiecesVerified == info.PieceCount, "the seeder still claims the changed piece");
        Assert.Equal(0, leecher.GetStatus().HashFailures);

        // An honest peer appears: the seeder fetches the piece again, and then serves it.
        await using var honestEngine = Start(network);
        honestEngine.AddTorrent(info, MemoryStorage.CreateSeeded(info, content));
        seeder.AddPeers([honestEngine.ListenEndPoint], PeerSource.Manual);
        await RunUntilAsync(() => leecher.Completion.IsCompleted, ct);
        Assert.True(leecher.Completion.IsCompletedSuccessfully);
        Assert.Equal(content, SwarmTestData.ReadAll(leecherStorage));
        Assert.Equal(0, leecher.GetStatus().HashFailures);
        Assert.True(storage.Verified.IsComplete);
        Assert.Equal(content, await File.ReadAllBytesAsync(file, ct));
    }

    /// <summary>Moves fake time on by 50 ms per real millisecond until <paramref name="condition"/> holds (at most 2 simulated minutes).</summary>
    private async Task RunUntilAsync(Func<bool> condition, CancellationToken ct)
    {
        var end = _time.GetUtcNow() + TimeSpan.FromMinutes(2);
        while (!condition())
        {
            if (_time.GetUtcNow() > end) throw new TimeoutException("condition not met within 2 simulated minutes");
            _time.Advance(TimeSpan.FromMilliseconds(50));
            await Task.Delay(1, ct);
        }
    }
}
