using System.Net;
using Shoal.Discovery.Dht;
using Shoal.Metainfo;

namespace Shoal.Tests.Discovery.Dht;

/// <summary>
/// A torrent kept announced is retried sooner than every 15 minutes when a round was no use: it reached no node (the
/// node was alone, e.g. just started), or it found no peer while the torrent still wants some (a magnet link waiting).
/// </summary>
public sealed class DhtAnnounceRetryTests
{
    private static readonly InfoHash Torrent = InfoHash.Parse("2123456789abcdef0123456789abcdef01234567");

    [Fact]
    public async Task A_node_alone_waits_for_its_first_neighbour_and_announces_to_it_at_once()
    {
        await using var rig = new DhtRig(seed: 21);
        var lone = rig.AddNode();
        using var announcement = lone.KeepAnnouncing(Torrent, 6000, isPrivate: false);
        rig.Run(TimeSpan.FromSeconds(1));
        Assert.Equal(1, announcement.Rounds);
        Assert.Equal(0, announcement.LastResult!.AnnouncedTo);

        // An empty table has no one to retry with: no empty rounds every few seconds.
        rig.Run(TimeSpan.FromMinutes(5));
        Assert.Equal(1, announcement.Rounds);

        var others = rig.Build(12);
        lone.AddNode(rig.Endpoint(others[0]));
        // The first node in its table starts a round at once.
        Assert.True(rig.Time.RunWhile(() => announcement.LastResult!.AnnouncedTo == 0, TimeSpan.FromSeconds(5)), $"{announcement.LastResult}");
        int rounds = announcement.Rounds;

        // Once announced, and wanting no peers (no callback), it waits the full 15 minutes.
        rig.Run(TimeSpan.FromMinutes(14));
        Assert.Equal(rounds, announcement.Rounds);
        rig.Run(TimeSpan.FromMinutes(2));
        Assert.Equal(rounds + 1, announcement.Rounds);
    }

    [Fact]
    public async Task A_node_whose_neighbours_all_went_silent_retries_with_a_doubling_delay()
    {
        await using var rig = new DhtRig(seed: 23);
        var lone = rig.AddNode();
        var others = rig.Build(3);
        foreach (var other in others) lone.AddNode(rig.Endpoint(other));
        rig.Run(TimeSpan.FromSeconds(5));
        Assert.True(lone.GetRoutingTableNodes().Count > 0);
        foreach (var other in others) await rig.RemoveAsync(other);

        using var announcement = lone.KeepAnnouncing(Torrent, 6000, isPrivate: false);
        Assert.True(rig.Time.RunWhile(() => announcement.Rounds == 0 || announcement.LastResult is null, TimeSpan.FromSeconds(30)));
        Assert.Equal(0, announcement.LastResult!.AnnouncedTo);
        int first = announcement.Rounds;
        // The table still holds the silent nodes, so the round is retried soon (5 s doubling), not in 15 minutes.
        rig.Run(TimeSpan.FromMinutes(3));
        Assert.InRange(announcement.Rounds - first, 2, 5);
    }

    [Fact]
    public async Task A_torrent_that_wants_peers_searches_again_soon_until_it_finds_one()
    {
        await using var rig = new DhtRig(seed: 22);
        var nodes = rig.Build(20);
        var found = new List<IPEndPoint>();
        using var announcement = nodes[0].KeepAnnouncing(Torrent, 6000, isPrivate: false, onPeer: found.Add, wantsPeers: () => true);
        // Rounds at about 0, 5 and 15 s (each finds only our own earlier announce, which is not a peer).
        rig.Run(TimeSpan.FromSeconds(30));
        Assert.InRange(announcement.Rounds, 3, 4);
        Assert.Empty(found);

        rig.Complete(nodes[5].AnnounceAsync(Torrent, 6005, cancellationToken: TestContext.Current.CancellationToken));
        // The next retry (at most 20 s away) finds it; then the full interval.
        Assert.True(rig.Time.RunWhile(() => found.Count == 0, TimeSpan.FromSeconds(30)));
        rig.Run(TimeSpan.FromSeconds(5));
        Assert.Equal([new IPEndPoint(rig.Endpoint(nodes[5]).Address, 6005)], found);
        int rounds = announcement.Rounds;
        rig.Run(TimeSpan.FromMinutes(14));
        Assert.Equal(rounds, announcement.Rounds);

        rig.Run(TimeSpan.FromMinutes(2));
        Assert.Equal(rounds + 1, announcement.Rounds);
    }

    [Fact]
    public async Task A_node_announcing_to_us_for_a_torrent_we_want_peers_for_is_a_peer_at_once()
    {
        await using var rig = new DhtRig(seed: 23);
        var seeder = rig.AddNode();
        var leecher = rig.AddNode();
        var found = new List<IPEndPoint>();
        using var wanting = seeder.KeepAnnouncing(Torrent, 6000, isPrivate: false, onPeer: found.Add, wantsPeers: () => true);
        rig.Run(TimeSpan.FromSeconds(1)); // alone: its first round reached nobody, the next is seconds away

        leecher.AddNode(rig.Endpoint(seeder));
        rig.Run(TimeSpan.FromMilliseconds(500)); // the two nodes ping each other into their tables
        Assert.Empty(found);
        var result = rig.Complete(leecher.AnnounceAsync(Torrent, 6001, cancellationToken: TestContext.Current.CancellationToken));

        // The leecher's announce_peer reached the seeder's node: handed up then, not at a later lookup of the seeder.
        Assert.Equal(1, result.AnnouncedTo);
        Assert.Contains(new IPEndPoint(rig.Endpoint(leecher).Address, 6001), found);
    }
}
