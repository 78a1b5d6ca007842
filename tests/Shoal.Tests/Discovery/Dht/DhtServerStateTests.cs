using System.Net;
using System.Net.Sockets;
using Shoal.Discovery.Dht;

namespace Shoal.Tests.Discovery.Dht;

/// <summary>The server side's state: write tokens, the peer store, the query rate limiter, the external-address vote.</summary>
public sealed class DhtServerStateTests
{
    private const long Minute = 60_000;
    private static readonly IPAddress Alice = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress Bob = IPAddress.Parse("192.0.2.2");
    private static readonly NodeId Torrent = NodeId.Parse("0123456789abcdef0123456789abcdef01234567");

    [Fact]
    public void A_token_is_valid_for_its_address_and_info_hash_for_5_to_10_minutes()
    {
        var tokens = new WriteTokens(new Random(1), 0);
        var token = tokens.Issue(Alice, Torrent);
        Assert.True(tokens.IsValid(token, Alice, Torrent));
        Assert.False(tokens.IsValid(token, Bob, Torrent));
        Assert.False(tokens.IsValid(token, Alice, NodeId.Parse("1123456789abcdef0123456789abcdef01234567")));
        Assert.False(tokens.IsValid(token[..4], Alice, Torrent));

        tokens.Rotate(4 * Minute); // too early: nothing changes
        tokens.Rotate(5 * Minute); // the secret rotates: the previous one still counts
        Assert.True(tokens.IsValid(token, Alice, Torrent));
        tokens.Rotate(10 * Minute); // rotated twice: gone
        Assert.False(tokens.IsValid(token, Alice, Torrent));
        Assert.True(tokens.IsValid(tokens.Issue(Alice, Torrent), Alice, Torrent));
    }

    [Fact]
    public void Stored_peers_expire_30_minutes_after_their_last_announce()
    {
        var store = new PeerStore(10, 10, 100, 30 * Minute);
        var peer = new IPEndPoint(Alice, 6881);
        store.Announce(Torrent, peer, 0);
        store.Announce(Torrent, new IPEndPoint(Bob, 6881), 0);
        store.Announce(Torrent, peer, 20 * Minute); // re-announced: lives on
        store.Purge(31 * Minute);
        var found = new List<IPEndPoint>();
        store.Sample(Torrent, AddressFamily.InterNetwork, 10, 31 * Minute, new Random(1), found);
        Assert.Equal([peer], found);
        Assert.Equal(1, store.PeerCount);
        store.Purge(51 * Minute);
        Assert.Equal((0, 0), (store.PeerCount, store.InfoHashCount));
    }

    [Fact]
    public void The_store_is_capped_per_info_hash_in_info_hashes_and_in_peers()
    {
        var store = new PeerStore(maxInfoHashes: 3, maxPeersPerInfoHash: 5, maxPeers: 12, 30 * Minute);
        for (int i = 0; i < 20; i++) store.Announce(Torrent, new IPEndPoint(Alice, 1000 + i), i);
        Assert.Equal(5, store.PeerCount);
        var kept = new List<IPEndPoint>();
        store.Sample(Torrent, AddressFamily.InterNetwork, 100, 20, new Random(1), kept);
        Assert.Equal(Enumerable.Range(1015, 5).Order(), kept.Select(p => p.Port).Order()); // the newest announces push out the oldest

        for (int t = 1; t < 10; t++)
            for (int i = 0; i < 5; i++) store.Announce(NodeId.Random(new Random(t)), new IPEndPoint(Bob, 2000 + i), 0);
        Assert.Equal(3, store.InfoHashCount);
        Assert.InRange(store.PeerCount, 0, 12);
    }

    [Fact]
    public void Samples_are_bounded_random_and_of_the_asked_family()
    {
        var store = new PeerStore(10, 500, 1000, 30 * Minute);
        for (int i = 0; i < 200; i++) store.Announce(Torrent, new IPEndPoint(Alice, 1000 + i), 0);
        store.Announce(Torrent, new IPEndPoint(IPAddress.Parse("2001:db8::7"), 7), 0);
        var first = new List<IPEndPoint>();
        var second = new List<IPEndPoint>();
        store.Sample(Torrent, AddressFamily.InterNetwork, 20, 0, new Random(1), first);
        store.Sample(Torrent, AddressFamily.InterNetwork, 20, 0, new Random(2), second);
        Assert.Equal(20, first.Count);
        Assert.Equal(20, first.Distinct().Count());
        Assert.NotEqual(first, second);
        var v6 = new List<IPEndPoint>();
        store.Sample(Torrent, AddressFamily.InterNetworkV6, 20, 0, new Random(1), v6);
        Assert.Equal([new IPEndPoint(IPAddress.Parse("2001:db8::7"), 7)], v6);
    }

    [Fact]
    public void Each_address_gets_its_burst_then_its_rate_and_everyone_together_the_global_rate()
    {
        var limiter = new QueryRateLimiter(perSecond: 10, burst: 20, globalPerSecond: 1000, maxTracked: 100);
        Assert.Equal(20, Enumerable.Range(0, 50).Count(_ => limiter.TryAcquire(Alice, 0)));
        Assert.True(limiter.TryAcquire(Bob, 0)); // another address is not affected
        Assert.Equal(10, Enumerable.Range(0, 50).Count(_ => limiter.TryAcquire(Alice, 1000))); // one second later: 10 more

        var global = new QueryRateLimiter(perSecond: 100, burst: 100, globalPerSecond: 5, maxTracked: 100);
        Assert.Equal(10, Enumerable.Range(0, 50).Count(i => global.TryAcquire(new IPAddress([10, 0, 0, (byte)i]), 0)));
    }

    [Fact]
    public void The_rate_limiter_forgets_idle_addresses_and_never_tracks_more_than_its_limit()
    {
        var limiter = new QueryRateLimiter(perSecond: 10, burst: 20, globalPerSecond: 1_000_000, maxTracked: 50);
        for (int i = 0; i < 1000; i++) limiter.TryAcquire(new IPAddress([10, 0, (byte)(i >> 8), (byte)i]), 0);
        Assert.Equal(50, limiter.Tracked);
        limiter.Forget(2000); // 20 tokens at 10/s: full again after 2 s
        Assert.Equal(0, limiter.Tracked);
    }

    [Fact]
    public void Our_external_address_is_what_a_majority_of_at_least_five_voters_say()
    {
        var votes = new ExternalAddressVotes();
        var claimed = IPAddress.Parse("203.0.113.9");
        for (int i = 0; i < 4; i++) Assert.False(votes.Vote(new IPAddress([192, 0, 2, (byte)i]), claimed));
        Assert.False(votes.Vote(new IPAddress([192, 0, 2, 3]), claimed)); // the same voter twice counts once
        Assert.Null(votes.Winner);
        Assert.True(votes.Vote(new IPAddress([192, 0, 2, 4]), claimed));
        Assert.Equal(claimed, votes.Winner);

        // A few liars change nothing.
        for (int i = 10; i < 13; i++) Assert.False(votes.Vote(new IPAddress([192, 0, 2, (byte)i]), IPAddress.Parse("198.51.100.1")));
        Assert.Equal(claimed, votes.Winner);
    }
}
