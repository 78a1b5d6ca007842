using System.Net;
using Shoal.Discovery.Dht;
using Shoal.Metainfo;
using Shoal.Tests.Support.Dht;

namespace Shoal.Tests.Discovery.Dht;

/// <summary>Lookups across a network of nodes: convergence, get_peers and announce_peer end to end, bounds, persistence.</summary>
public sealed class DhtLookupTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly InfoHash Torrent = InfoHash.Parse("0123456789abcdef0123456789abcdef01234567");

    [Fact]
    public async Task Find_node_converges_on_the_eight_closest_nodes_of_the_network()
    {
        await using var rig = new DhtRig(seed: 3);
        var nodes = rig.Build(80);
        for (int i = 0; i < 10; i++)
        {
            var origin = nodes[rig.Random.Next(nodes.Count)];
            var target = NodeId.Random(rig.Random);
            var result = rig.Complete(origin.FindNodeAsync(target, Ct));
            var truth = nodes.Where(n => n != origin).Select(n => n.Id).OrderBy(id => id ^ target).Take(8);
            Assert.Equal(truth, result.Closest.Select(c => c.Id));
            Assert.InRange(result.QueriesSent, 8, 40);
        }
    }

    [Fact]
    public async Task A_peer_announced_by_one_node_is_found_by_another()
    {
        await using var rig = new DhtRig(seed: 4);
        var nodes = rig.Build(60);
        var announce = rig.Complete(nodes[5].AnnounceAsync(Torrent, 51413, cancellationToken: Ct));
        Assert.Equal(8, announce.AnnouncedTo);
        var closest = nodes.OrderBy(n => n.Id ^ NodeId.FromInfoHash(Torrent)).Take(8).Where(n => n != nodes[5]);
        Assert.All(closest, n => Assert.Equal(1, n.GetStats().StoredPeers));

        var found = await rig.CollectAsync(nodes[40].GetPeersAsync(Torrent, Ct));
        Assert.Equal([new IPEndPoint(rig.Endpoint(nodes[5]).Address, 51413)], found);
    }

    [Fact]
    public async Task Implied_port_announces_the_udp_source_port()
    {
        await using var rig = new DhtRig(seed: 5);
        var nodes = rig.Build(20);
        rig.Complete(nodes[0].AnnounceAsync(Torrent, 1, impliedPort: true, cancellationToken: Ct));
        var peers = new List<IPEndPoint>();
        rig.Complete(nodes[1].AnnounceAsync(Torrent, 7777, onPeer: peers.Add, cancellationToken: Ct));
        Assert.Contains(rig.Endpoint(nodes[0]), peers);
    }

    [Fact]
    public async Task Lookups_survive_dead_nodes_and_slow_ones()
    {
        await using var rig = new DhtRig(seed: 6);
        var nodes = rig.Build(60);
        foreach (var dead in nodes.Skip(10).Take(15).ToList())
        {
            await rig.RemoveAsync(dead);
            nodes.Remove(dead);
        }
        foreach (var slow in nodes.Skip(20).Take(5)) rig.PortOf(slow).Conditions = new LinkConditions { SendDelay = TimeSpan.FromSeconds(2) };
        var target = NodeId.Random(rig.Random);
        var result = rig.Complete(nodes[0].FindNodeAsync(target, Ct));
        var truth = nodes.Skip(1).Select(n => n.Id).OrderBy(id => id ^ target).Take(8);
        Assert.Equal(truth, result.Closest.Select(c => c.Id));
        Assert.True(result.Timeouts > 0);
    }

    [Fact]
    public async Task Outstanding_queries_stay_within_their_bound_and_lookups_still_finish()
    {
        await using var rig = new DhtRig(seed: 7);
        var nodes = rig.Build(30);
        var node = rig.AddNode(DhtRig.Options with { MaxOutstandingQueries = 4 });
        rig.Complete(node.BootstrapAsync([rig.Endpoint(nodes[0])], Ct));
        foreach (var dead in nodes.Skip(1).Take(10).ToList()) await rig.RemoveAsync(dead);

        var lookups = Enumerable.Range(0, 10).Select(_ => node.FindNodeAsync(NodeId.Random(rig.Random), Ct)).ToList();
        int most = 0;
        Assert.True(rig.Time.RunWhile(() =>
        {
            most = Math.Max(most, node.GetStats().OutstandingQueries);
            return lookups.Any(l => !l.IsCompleted);
        }, TimeSpan.FromMinutes(5)));
        Assert.InRange(most, 1, 4);
        Assert.All(lookups, l => Assert.NotEmpty(l.Result.Closest));
    }

    [Fact]
    public async Task A_torrent_kept_announced_is_announced_again_every_15_minutes_and_a_private_one_never()
    {
        await using var rig = new DhtRig(seed: 8);
        var nodes = rig.Build(20);
        var node = nodes[0];
        rig.PortOf(node).Record = true;
        var found = new List<IPEndPoint>();
        using var announcement = node.KeepAnnouncing(Torrent, 6000, isPrivate: false, onPeer: found.Add);
        var otherPrivate = InfoHash.Parse("1123456789abcdef0123456789abcdef01234567");
        using var privateOne = node.KeepAnnouncing(otherPrivate, 6001, isPrivate: true);
        rig.Run(TimeSpan.FromSeconds(30));
        Assert.Equal(1, announcement.Rounds);
        Assert.Equal(8, announcement.LastResult!.AnnouncedTo);
        Assert.False(privateOne.IsActive);

        rig.Complete(nodes[1].AnnounceAsync(Torrent, 6002, cancellationToken: Ct));
        rig.Run(TimeSpan.FromMinutes(14));
        Assert.Equal(1, announcement.Rounds);
        rig.Run(TimeSpan.FromMinutes(2));
        Assert.Equal(2, announcement.Rounds);
        Assert.Contains(new IPEndPoint(rig.Endpoint(nodes[1]).Address, 6002), found);

        // Nothing about the private torrent ever left the node, while the public one went out in every round.
        Assert.DoesNotContain(rig.PortOf(node).SentLog, d => d.Datagram.AsSpan().IndexOf(otherPrivate.Span) >= 0);
        Assert.Contains(rig.PortOf(node).SentLog, d => d.Datagram.AsSpan().IndexOf(Torrent.Span) >= 0);
        announcement.Dispose();
        rig.Run(TimeSpan.FromMinutes(20));
        Assert.Equal(2, announcement.Rounds);
    }

    [Fact]
    public async Task A_restarted_node_comes_back_from_its_state_file_without_any_bootstrap_node()
    {
        using var folder = new Support.TempDirectory();
        var stateFile = Path.Combine(folder.Path, "dht.state");
        await using var rig = new DhtRig(seed: 9);
        var nodes = rig.Build(30);
        var options = DhtRig.Options with { StateFile = stateFile };
        var at = rig.NextEndPoint();
        var first = rig.AddNode(options, at);
        rig.Complete(first.BootstrapAsync([rig.Endpoint(nodes[0])], Ct));
        var id = first.Id;
        int known = first.GetRoutingTableNodes().Count;
        await rig.RemoveAsync(first);
        Assert.True(File.Exists(stateFile));

        var second = rig.AddNode(options, at); // no bootstrap nodes at all: only the state file
        rig.Run(TimeSpan.FromSeconds(30));
        await second.Ready.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(id, second.Id);
        Assert.InRange(second.GetRoutingTableNodes().Count, Math.Min(8, known), 1000);
        var result = rig.Complete(second.FindNodeAsync(NodeId.Random(rig.Random), Ct));
        Assert.Equal(8, result.Closest.Count);
    }

    [Fact]
    public async Task A_corrupt_state_file_is_ignored()
    {
        using var folder = new Support.TempDirectory();
        var stateFile = Path.Combine(folder.Path, "dht.state");
        await File.WriteAllTextAsync(stateFile, "d2:id3:abce", TestContext.Current.CancellationToken);
        await using var rig = new DhtRig();
        var node = rig.AddNode(DhtRig.Options with { StateFile = stateFile });
        Assert.True(node.Ready.IsCompleted);
        Assert.Empty(node.GetRoutingTableNodes());
        Assert.Null(DhtStateFile.TryParse("garbage"u8));
    }

    [Fact]
    public async Task Cancelling_a_lookup_ends_it()
    {
        await using var rig = new DhtRig(seed: 10);
        var nodes = rig.Build(20);
        using var cancel = new CancellationTokenSource();
        var lookup = nodes[0].FindNodeAsync(NodeId.Random(rig.Random), cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => lookup);
        Assert.Equal(0, nodes[0].GetStats().ActiveLookups);
    }
}
