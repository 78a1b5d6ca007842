using Microsoft.Extensions.Time.Testing;
using Shoal.Metainfo;
using Shoal.Storage;
using Shoal.Swarm;

namespace Shoal.Tests.Swarm;

/// <summary>
/// Issue 10, item 10: an exception where none was expected — in a subscriber to the torrent's events, in the storage,
/// in the hashing or writing workers — fails the torrent with a clear error; it never ends a worker silently and leaves
/// the download hanging.
/// </summary>
[Trait("Category", "Hostile")]
public sealed class WriterFailureTests
{
    private static readonly byte[] Content = SwarmTestData.RandomBytes(32 * 16 * 1024, seed: 101);
    private static readonly TorrentInfo Info = SwarmTestData.SingleFile(Content, pieceLength: 16 * 1024);

    /// <summary>Memory storage whose writes throw what a bug would throw.</summary>
    private sealed class BrokenStorage(TorrentInfo info) : IPieceStorage
    {
        private readonly MemoryStorage _inner = new(info);
        public TorrentInfo Info => _inner.Info;
        public Bitfield Verified => _inner.Verified;
        public ValueTask WritePieceAsync(int piece, ReadOnlyMemory<byte> data, CancellationToken ct) =>
            piece % 4 == 3 ? throw new InvalidOperationException("storage bug") : _inner.WritePieceAsync(piece, data, ct);
        public ValueTask ReadAsync(int piece, int offset, Memory<byte> destination, CancellationToken ct) => _inner.ReadAsync(piece, offset, destination, ct);
        public ValueTask MarkVerifiedAsync(int piece, CancellationToken ct) => _inner.MarkVerifiedAsync(piece, ct);
        public ValueTask FlushAsync(CancellationToken ct) => _inner.FlushAsync(ct);
        public ValueTask DisposeAsync() => _inner.DisposeAsync();
    }

    /// <summary>A seeder and a leecher (whose storage is given) on one in-memory network: runs until the leecher's torrent ends, then checks it.</summary>
    private static async Task DownloadAsync(Action<TorrentSession> prepare, IPieceStorage? storage, Func<TorrentSession, Task> check, CancellationToken ct)
    {
        var network = new InMemoryNetwork();
        var time = new FakeTimeProvider();
        var settings = new EngineSettings { RandomSeed = 1 };
        await using var seeder = new SwarmRig(settings, Info, Content, seed: true, network, time);
        await using var engine = ClientEngine.Start(settings, network.NewHost(), time);
        var session = engine.AddTorrent(Info, storage ?? new MemoryStorage(Info));
        prepare(session);
        session.AddPeers([seeder.Engine.ListenEndPoint], PeerSource.Manual);
        var end = time.GetUtcNow() + TimeSpan.FromMinutes(2);
        while (!session.Completion.IsCompleted && time.GetUtcNow() < end)
        {
            time.Advance(TimeSpan.FromMilliseconds(50));
            await Task.Delay(1, ct);
        }
        Assert.True(session.Completion.IsCompleted, $"the download hangs: {session.GetStatus()}");
        await check(session);
    }

    [Fact]
    public Task A_throwing_PieceVerified_subscriber_fails_the_torrent_instead_of_stopping_its_writer() =>
        DownloadAsync(s => s.PieceVerified += piece => { if (piece % 2 == 0) throw new InvalidOperationException("subscriber bug"); }, null, async session =>
        {
            var error = await Assert.ThrowsAnyAsync<Exception>(() => session.Completion);
            Assert.Contains("subscriber bug", error.Message);
            var status = session.GetStatus();
            Assert.Equal(TorrentState.Error, status.State);
            Assert.Contains("subscriber bug", status.Error);
        }, TestContext.Current.CancellationToken);

    [Fact]
    public Task A_throwing_Completed_subscriber_is_reported_and_the_download_still_completes() =>
        DownloadAsync(s => s.Completed += () => throw new InvalidOperationException("completion subscriber bug"), null, async session =>
        {
            await session.Completion; // every piece verified: that stays true
            await MetadataExchangeTests.WaitUntilAsync(() => session.GetStatus().Error is not null, TestContext.Current.CancellationToken);
            Assert.Contains("completion subscriber bug", session.GetStatus().Error);
        }, TestContext.Current.CancellationToken);

    [Fact]
    public Task An_unexpected_storage_exception_fails_the_torrent_instead_of_stopping_its_writer() =>
        DownloadAsync(_ => { }, new BrokenStorage(Info), async session =>
        {
            var error = await Assert.ThrowsAnyAsync<Exception>(() => session.Completion);
            Assert.Contains("storage bug", error.Message);
            Assert.Equal(TorrentState.Error, session.GetStatus().State);
        }, TestContext.Current.CancellationToken);
}
