using Shoal.Tests.Support;
using Shoal.TrackerServer.Registry;
using Shoal.TrackerServer.Store;
using static Shoal.Tests.TrackerServer.TrackerTestData;

namespace Shoal.Tests.TrackerServer;

/// <summary>One suite, every store backend (memory, SQLite): what is saved comes back, empty snapshots delete.</summary>
public abstract class SwarmStoreConformanceTests : IAsyncLifetime
{
    protected ISwarmStore Store { get; private set; } = null!;

    protected abstract Task<ISwarmStore> OpenAsync();

    public async ValueTask InitializeAsync() => Store = await OpenAsync();

    public virtual async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    private static SwarmSnapshot Swarm(int n, int peers, long downloaded = 3, string? name = "name") =>
        new(Hash(n), downloaded, name,
            [.. Enumerable.Range(0, peers).Select(p => new StoredPeer(Id(p), p % 3 == 0 ? V6(p) : V4(p), p % 2 == 0, 1_700_000_000 + p))]);

    [Fact]
    public async Task Saved_swarms_come_back_intact()
    {
        var ct = TestContext.Current.CancellationToken;
        await Store.SaveAsync([Swarm(1, 5), Swarm(2, 0, downloaded: 7, name: null)], ct);
        var loaded = (await Store.LoadAsync(new SwarmLimits(), ct)).ToDictionary(s => s.InfoHash);
        Assert.Equal(2, loaded.Count);
        var first = loaded[Hash(1)];
        Assert.Equal((3L, "name"), (first.Downloaded, first.Name));
        Assert.Equal(Swarm(1, 5).Peers.OrderBy(p => p.LastSeenUnixSeconds), first.Peers.OrderBy(p => p.LastSeenUnixSeconds));
        Assert.Equal(7, loaded[Hash(2)].Downloaded);
    }

    [Fact]
    [Trait("Category", "Hostile")]
    public async Task Loading_keeps_to_the_registrys_caps_newest_first()
    {
        var ct = TestContext.Current.CancellationToken;
        // Written under larger caps (or edited): three swarms of 10 peers, swarm 3's the most recent.
        SwarmSnapshot Aged(int n) => new(Hash(n), 0, null,
            [.. Enumerable.Range(0, 10).Select(p => new StoredPeer(Id(p), V4(p), false, 1_700_000_000 + n * 100 + p))]);
        await Store.SaveAsync([Aged(1), Aged(2), Aged(3)], ct);
        var loaded = await Store.LoadAsync(new SwarmLimits(MaxTorrents: 2, MaxPeers: 12), ct);
        Assert.Equal([Hash(2), Hash(3)], loaded.Select(s => s.InfoHash).Order(Comparer<Shoal.Metainfo.InfoHash>.Create((a, b) => a.Span.SequenceCompareTo(b.Span))));
        Assert.Equal(12, loaded.Sum(s => s.Peers.Count));
        Assert.Equal(10, loaded.Single(s => s.InfoHash == Hash(3)).Peers.Count);
        Assert.Equal([1_700_000_208, 1_700_000_209], loaded.Single(s => s.InfoHash == Hash(2)).Peers.Select(p => p.LastSeenUnixSeconds).Order());
    }

    [Fact]
    public async Task A_later_save_replaces_and_an_empty_one_deletes()
    {
        var ct = TestContext.Current.CancellationToken;
        await Store.SaveAsync([Swarm(1, 5), Swarm(2, 2)], ct);
        await Store.SaveAsync([Swarm(1, 2, downloaded: 4), new SwarmSnapshot(Hash(2), 0, null, [])], ct);
        var loaded = Assert.Single(await Store.LoadAsync(new SwarmLimits(), ct));
        Assert.Equal(Hash(1), loaded.InfoHash);
        Assert.Equal(2, loaded.Peers.Count);
        Assert.Equal(4, loaded.Downloaded);
    }
}

public sealed class MemorySwarmStoreTests : SwarmStoreConformanceTests
{
    protected override Task<ISwarmStore> OpenAsync() => Task.FromResult<ISwarmStore>(new MemorySwarmStore());
}

public sealed class SqliteSwarmStoreTests : SwarmStoreConformanceTests
{
    private readonly TempDirectory _dir = new("sqlite-store");

    protected override async Task<ISwarmStore> OpenAsync() =>
        await SqliteSwarmStore.OpenAsync(_dir.Combine("swarms.db"), TestContext.Current.CancellationToken);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task Reopening_the_file_keeps_the_data()
    {
        var ct = TestContext.Current.CancellationToken;
        await Store.SaveAsync([Swarm(9, 3)], ct);
        await using var reopened = await SqliteSwarmStore.OpenAsync(_dir.Combine("swarms.db"), ct);
        Assert.Equal(3, Assert.Single(await reopened.LoadAsync(new SwarmLimits(), ct)).Peers.Count);
    }

    private static SwarmSnapshot Swarm(int n, int peers) =>
        new(Hash(n), 1, null, [.. Enumerable.Range(0, peers).Select(p => new StoredPeer(Id(p), V4(p), false, 1_700_000_000))]);
}
