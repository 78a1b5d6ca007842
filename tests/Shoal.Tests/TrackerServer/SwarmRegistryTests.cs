using Microsoft.Extensions.Time.Testing;
using Shoal.TrackerServer.Registry;
using Shoal.Trackers;
using static Shoal.Tests.TrackerServer.TrackerTestData;

namespace Shoal.Tests.TrackerServer;

public class SwarmRegistryTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2025-01-01T00:00:00Z"));
    private readonly PeerSelection _selection = new(500);

    private SwarmRegistry NewRegistry(int maxTorrents = 1000) => new(TimeSpan.FromMinutes(45), _time, new SwarmLimits(MaxTorrents: maxTorrents));

    [Fact]
    public void Counts_seeders_leechers_and_completed_downloads()
    {
        var registry = NewRegistry();
        var hash = Hash(1);
        registry.Announce(Announce(hash, 1, seeder: true, AnnounceEvent.Started), _selection);
        registry.Announce(Announce(hash, 2, seeder: false, AnnounceEvent.Started), _selection);
        var result = registry.Announce(Announce(hash, 3, seeder: false, AnnounceEvent.Started), _selection);
        Assert.Equal((1, 2, 0L), (result.Seeders, result.Leechers, result.Downloaded));

        result = registry.Announce(Announce(hash, 2, seeder: true, AnnounceEvent.Completed), _selection);
        Assert.Equal((2, 1, 1L), (result.Seeders, result.Leechers, result.Downloaded));
        // A repeated completed event from a peer already seeding is not a second download.
        result = registry.Announce(Announce(hash, 2, seeder: true, AnnounceEvent.Completed), _selection);
        Assert.Equal(1L, result.Downloaded);

        result = registry.Announce(Announce(hash, 3, seeder: false, AnnounceEvent.Stopped), _selection);
        Assert.Equal((2, 0), (result.Seeders, result.Leechers));
        Assert.Equal(0, _selection.Count4);
        Assert.Equal(new ScrapeCounts(2, 0, 1), registry.Scrape(hash));
        Assert.Equal(default, registry.Scrape(Hash(99)));
    }

    [Fact]
    public void Never_returns_the_requester_itself()
    {
        var registry = NewRegistry();
        var hash = Hash(2);
        for (int peer = 0; peer < 10; peer++)
        {
            registry.Announce(Announce(hash, peer, seeder: peer % 2 == 0), _selection);
            var returned = Endpoints(_selection.Compact4, 6);
            Assert.Equal(peer, returned.Count);
            Assert.DoesNotContain(V4(peer), returned);
            Assert.Equal(peer, returned.Distinct().Count());
        }
    }

    [Fact]
    public void Does_not_return_an_old_entry_with_the_requesters_own_address()
    {
        var registry = NewRegistry();
        var hash = Hash(3);
        // Same address and port, new peer id (a restarted client): its stale entry must not be handed back to it.
        registry.Announce(new PeerAnnounce(hash, Id(1), V4(7), AnnounceEvent.Started, false, 50), _selection);
        registry.Announce(new PeerAnnounce(hash, Id(2), V4(7), AnnounceEvent.Started, false, 50), _selection);
        Assert.Equal(0, _selection.Count4);
    }

    [Fact]
    public void Seeders_get_leechers_first()
    {
        var registry = NewRegistry();
        var hash = Hash(4);
        for (int peer = 0; peer < 30; peer++) registry.Announce(Announce(hash, peer, seeder: true), _selection);
        for (int peer = 100; peer < 105; peer++) registry.Announce(Announce(hash, peer, seeder: false), _selection);

        registry.Announce(Announce(hash, 0, seeder: true, numWant: 10), _selection);
        var returned = Endpoints(_selection.Compact4, 6);
        Assert.Equal(10, returned.Count);
        var leechers = Enumerable.Range(100, 5).Select(V4).ToHashSet();
        Assert.All(returned.Take(5), endpoint => Assert.Contains(endpoint, leechers));
        Assert.All(returned.Skip(5), endpoint => Assert.DoesNotContain(endpoint, leechers));
    }

    [Fact]
    public void Numwant_is_capped_by_the_request_and_the_buffer()
    {
        var registry = NewRegistry();
        var hash = Hash(5);
        for (int peer = 0; peer < 300; peer++) registry.Announce(Announce(hash, peer, seeder: false, numWant: 0), _selection);
        registry.Announce(Announce(hash, 1, seeder: false, numWant: 25), _selection);
        Assert.Equal(25, _selection.Count4);
        registry.Announce(Announce(hash, 1, seeder: false, numWant: 0), _selection);
        Assert.Equal(0, _selection.Count4);
        var small = new PeerSelection(40);
        registry.Announce(Announce(hash, 1, seeder: false, numWant: 1000), small);
        Assert.Equal(40, small.Count4);
    }

    [Fact]
    public void Peers_expire_after_the_timeout_unless_they_reannounce()
    {
        var registry = NewRegistry();
        var hash = Hash(6);
        registry.Announce(Announce(hash, 1, seeder: true), _selection);
        registry.Announce(Announce(hash, 2, seeder: false), _selection);
        _time.Advance(TimeSpan.FromMinutes(30));
        registry.Announce(Announce(hash, 2, seeder: false), _selection); // peer 2 re-announces, peer 1 does not
        _time.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(1, registry.Sweep());
        Assert.Equal(new ScrapeCounts(0, 1, 0), registry.Scrape(hash));
        _time.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(1, registry.Sweep());
        // Empty and never completed: the torrent itself is forgotten.
        Assert.Equal(0, registry.TorrentCount);
    }

    [Fact]
    public void A_swarm_with_completed_downloads_outlives_its_peers()
    {
        var registry = NewRegistry();
        var hash = Hash(7);
        registry.Announce(Announce(hash, 1, seeder: true, AnnounceEvent.Completed), _selection);
        _time.Advance(TimeSpan.FromHours(2));
        registry.Sweep();
        Assert.Equal(new ScrapeCounts(0, 0, 1), registry.Scrape(hash));
    }

    [Fact]
    public void IPv6_peers_are_kept_apart_and_returned_as_peers6()
    {
        var registry = NewRegistry();
        var hash = Hash(8);
        registry.Announce(Announce(hash, 1, seeder: true, v6: true), _selection);
        registry.Announce(Announce(hash, 2, seeder: true), _selection);
        var result = registry.Announce(Announce(hash, 3, seeder: false, v6: true), _selection);
        Assert.Equal(3, result.Seeders + result.Leechers);
        Assert.Equal([V6(1)], Endpoints(_selection.Compact6, 18));
        Assert.Equal(0, _selection.Count4);

        registry.Announce(Announce(hash, 3, seeder: false, v6: true, both: true), _selection);
        Assert.Equal([V4(2)], Endpoints(_selection.Compact4, 6));
    }

    [Fact]
    public void Peer_ids_are_returned_beside_addresses_when_asked()
    {
        var registry = NewRegistry();
        var hash = Hash(9);
        registry.Announce(Announce(hash, 1, seeder: true), _selection);
        registry.Announce(Announce(hash, 2, seeder: false, ids: true), _selection);
        var id = Id(1);
        Assert.True(_selection.Ids4.SequenceEqual(id));
    }

    [Fact]
    public void Refuses_torrents_off_the_allow_list_and_beyond_the_limit()
    {
        var registry = NewRegistry(maxTorrents: 2);
        Assert.Equal(AnnounceStatus.Ok, registry.Announce(Announce(Hash(1), 1, true), _selection).Status);
        Assert.Equal(AnnounceStatus.Ok, registry.Announce(Announce(Hash(2), 1, true), _selection).Status);
        Assert.Equal(AnnounceStatus.TrackerFull, registry.Announce(Announce(Hash(3), 1, true), _selection).Status);
        Assert.Equal(AnnounceStatus.Ok, registry.Announce(Announce(Hash(2), 2, true), _selection).Status);

        registry.Allow = new AllowList([new(Hash(1), "one")]);
        Assert.Equal(AnnounceStatus.NotAllowed, registry.Announce(Announce(Hash(2), 1, true), _selection).Status);
        Assert.Equal(AnnounceStatus.Ok, registry.Announce(Announce(Hash(1), 3, true), _selection).Status);
    }

    [Fact]
    public void A_stopped_event_for_an_unknown_torrent_creates_nothing()
    {
        var registry = NewRegistry();
        registry.Announce(Announce(Hash(1), 1, false, AnnounceEvent.Stopped), _selection);
        Assert.Equal(0, registry.TorrentCount);
    }

    [Fact]
    public void Snapshot_and_restore_keep_peers_counters_and_expiry()
    {
        var registry = NewRegistry();
        var hash = Hash(10);
        registry.Announce(Announce(hash, 1, seeder: true, AnnounceEvent.Completed), _selection);
        registry.Announce(Announce(hash, 2, seeder: false, v6: true), _selection);
        registry.SetName(hash, "ubuntu.iso");
        var snapshot = registry.Snapshot(hash);
        Assert.Equal(2, snapshot.Peers.Count);

        _time.Advance(TimeSpan.FromMinutes(40));
        var restored = NewRegistry();
        restored.Restore(snapshot);
        Assert.Equal(new ScrapeCounts(1, 1, 1), restored.Scrape(hash));
        Assert.Equal("ubuntu.iso", restored.TopTorrents(10).Single().Name);
        restored.Announce(Announce(hash, 3, seeder: false), _selection);
        Assert.Equal([V4(1)], Endpoints(_selection.Compact4, 6));
        // The restored peers were last seen 40 minutes ago: 10 more minutes and they pass the 45-minute timeout.
        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(2, restored.Sweep());
    }

    [Fact]
    public void Totals_and_top_torrents_sum_every_swarm()
    {
        var registry = NewRegistry();
        for (int t = 0; t < 20; t++)
            for (int p = 0; p <= t; p++) registry.Announce(Announce(Hash(t), p, seeder: p == 0), _selection);
        var totals = registry.Totals();
        Assert.Equal(20, totals.Torrents);
        Assert.Equal(20, totals.Seeders);
        Assert.Equal(Enumerable.Range(0, 20).Sum(), totals.Leechers);
        var top = registry.TopTorrents(3);
        Assert.Equal([Hash(19), Hash(18), Hash(17)], top.Select(row => row.InfoHash));
    }
}
