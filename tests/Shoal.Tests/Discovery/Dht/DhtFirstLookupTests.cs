using System.Net;
using Shoal.Discovery.Dht;
using Shoal.Metainfo;

namespace Shoal.Tests.Discovery.Dht;

/// <summary>
/// A node that has just started (`shoal get MAGNET`) searches for its torrent at once, through its bootstrap routers,
/// as libtorrent does: it does not wait for its bootstrap lookup to end, which takes as long as the slowest of the
/// closest nodes it meets (a node that left keeps the bootstrap waiting for its query timeout).
/// </summary>
public sealed class DhtFirstLookupTests
{
    private static readonly InfoHash Torrent = InfoHash.Parse("3123456789abcdef0123456789abcdef01234567");

    [Fact]
    public async Task A_starting_node_finds_peers_before_its_bootstrap_ends()
    {
        await using var rig = new DhtRig(seed: 31);
        var (router, seeder) = await NetworkWithDepartedNodesAsync(rig);
        var leecher = rig.AddNode(DhtRig.Options with { BootstrapNodes = [rig.Endpoint(router).ToString()] });
        var found = new List<IPEndPoint>();
        using var announcement = leecher.KeepAnnouncing(Torrent, 6100, isPrivate: false, onPeer: found.Add, wantsPeers: () => true);

        var started = rig.Time.Elapsed;
        Assert.True(await RunWhileAsync(rig, () => found.Count == 0, TimeSpan.FromSeconds(10)),
            $"no peer found: {announcement.Rounds} rounds, last {announcement.LastResult}, ready {leecher.Ready.Status}, {leecher.GetStats()}");
        var firstPeer = rig.Time.Elapsed - started;
        Assert.True(await RunWhileAsync(rig, () => !leecher.Ready.IsCompleted, TimeSpan.FromSeconds(10)), "the bootstrap did not end");
        var bootstrapped = rig.Time.Elapsed - started;

        Assert.Contains(seeder, found);
        // The bootstrap waits for the nodes that left (4 s query timeout); the first peer comes a few round trips in.
        Assert.True(bootstrapped >= TimeSpan.FromSeconds(3), $"the bootstrap took only {bootstrapped}: the test needs nodes that left");
        Assert.True(firstPeer < TimeSpan.FromSeconds(1), $"first peer after {firstPeer} (bootstrap over after {bootstrapped})");
    }

    [Fact]
    public async Task A_get_peers_stream_started_with_the_node_does_not_wait_for_the_bootstrap()
    {
        await using var rig = new DhtRig(seed: 32);
        var (router, seeder) = await NetworkWithDepartedNodesAsync(rig);
        var leecher = rig.AddNode(DhtRig.Options with { BootstrapNodes = [rig.Endpoint(router).ToString()] });

        var started = rig.Time.Elapsed;
        await using var peers = leecher.GetPeersAsync(Torrent, TestContext.Current.CancellationToken).GetAsyncEnumerator(TestContext.Current.CancellationToken);
        var next = peers.MoveNextAsync().AsTask();
        Assert.True(await RunWhileAsync(rig, () => !next.IsCompleted, TimeSpan.FromSeconds(10)) && await next, "no peer found");
        var firstPeer = rig.Time.Elapsed - started;
        Assert.Equal(seeder, peers.Current);
        Assert.True(await RunWhileAsync(rig, () => !leecher.Ready.IsCompleted, TimeSpan.FromSeconds(10)), "the bootstrap did not end");
        var bootstrapped = rig.Time.Elapsed - started;
        Assert.True(bootstrapped >= TimeSpan.FromSeconds(3), $"the bootstrap took only {bootstrapped}: the test needs nodes that left");
        Assert.True(firstPeer < TimeSpan.FromSeconds(1), $"first peer after {firstPeer} (bootstrap over after {bootstrapped})");
    }

    /// <summary>
    /// Runs simulated time in 20 ms steps while <paramref name="notDone"/> holds (at most <paramref name="limit"/> of it),
    /// letting thread-pool continuations (a completed bootstrap, a peer stream's items) run in real time between steps.
    /// </summary>
    private static async Task<bool> RunWhileAsync(DhtRig rig, Func<bool> notDone, TimeSpan limit)
    {
        var end = rig.Time.Elapsed + limit;
        while (notDone())
        {
            if (rig.Time.Elapsed >= end) return false;
            rig.Run(TimeSpan.FromMilliseconds(20));
            await Task.Delay(1, TestContext.Current.CancellationToken);
        }
        return true;
    }

    /// <summary>
    /// 20 live nodes, one of them announced for <see cref="Torrent"/> (the returned peer), and 30 nodes that joined and
    /// left: the live nodes still list them (they answered a moment ago), so a newcomer's bootstrap toward its own id
    /// meets some of them and waits out their query timeout.
    /// </summary>
    private static async Task<(DhtNode Router, IPEndPoint Seeder)> NetworkWithDepartedNodesAsync(DhtRig rig)
    {
        var nodes = rig.Build(20);
        var gone = rig.Build(30);
        foreach (var node in gone)
            foreach (var live in nodes) live.AddNode(rig.Endpoint(node));
        rig.Run(TimeSpan.FromSeconds(2));
        foreach (var node in gone) await rig.RemoveAsync(node);
        var announce = rig.Complete(nodes[7].AnnounceAsync(Torrent, 6007, cancellationToken: TestContext.Current.CancellationToken));
        Assert.True(announce.AnnouncedTo > 0);
        return (nodes[0], new IPEndPoint(rig.Endpoint(nodes[7]).Address, 6007));
    }
}
