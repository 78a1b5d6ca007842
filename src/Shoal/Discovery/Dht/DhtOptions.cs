using System.Net;

namespace Shoal.Discovery.Dht;

/// <summary>
/// Settings of a <see cref="DhtNode"/>. The defaults are those of a client on the public Mainline DHT, bootstrap
/// routers included: tests, benchmarks and demos must always set <see cref="BootstrapNodes"/> to their own nodes.
/// </summary>
public sealed record DhtOptions
{
    /// <summary>The well-known public routers a new node asks first (HOST:PORT).</summary>
    public static readonly IReadOnlyList<string> PublicBootstrapNodes =
        ["router.bittorrent.com:6881", "router.utorrent.com:6881", "dht.transmissionbt.com:6881", "dht.libtorrent.org:25401"];

    /// <summary>HOST:PORT of the nodes asked first when the saved state has no nodes (names resolved once, at start).</summary>
    public IReadOnlyList<string> BootstrapNodes { get; init; } = PublicBootstrapNodes;

    /// <summary>Routing table and node id are loaded from here at start and saved here (bencoded); null: nothing saved.</summary>
    public string? StateFile { get; init; }

    /// <summary>How often the state file is rewritten while running (and once at dispose).</summary>
    public TimeSpan SaveInterval { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Our external address, when the engine knows it: a BEP 42 conforming id is made from it at once.</summary>
    public IPAddress? ExternalAddress { get; init; }

    /// <summary>BEP 43: send "ro", answer no queries, never enter others' routing tables.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>Lookups in flight per lookup (Kademlia's α).</summary>
    public int Alpha { get; init; } = 3;

    /// <summary>After this long a query counts as slow: the lookup sends another one but still takes a late answer.</summary>
    public TimeSpan QuerySoftTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>After this long an unanswered query has failed.</summary>
    public TimeSpan QueryTimeout { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>Queries awaiting an answer, all lookups and pings together; lookups wait for a free slot.</summary>
    public int MaxOutstandingQueries { get; init; } = 256;

    /// <summary>Peers one get_peers lookup hands out at most (duplicates never count).</summary>
    public int MaxPeersPerLookup { get; init; } = 2000;

    /// <summary>Incoming queries per second one address may send (token bucket refill).</summary>
    public double QueriesPerSecondPerAddress { get; init; } = 20;

    /// <summary>Incoming queries one address may send at once (token bucket size).</summary>
    public double QueryBurstPerAddress { get; init; } = 100;

    /// <summary>Incoming queries per second from everyone together.</summary>
    public double QueriesPerSecond { get; init; } = 2000;

    /// <summary>Addresses the rate limiter remembers at most.</summary>
    public int MaxTrackedAddresses { get; init; } = 10_000;

    /// <summary>A reply is never larger than this (it stays within one unfragmented datagram).</summary>
    public int MaxReplyBytes { get; init; } = 1400;

    /// <summary>
    /// To a source that has not shown it receives at its address (not a node that answered us), a reply is at most this
    /// many times the size of its query: a spoofed query cannot turn us into an amplifier.
    /// </summary>
    public int UnverifiedReplyFactor { get; init; } = 6;

    /// <summary>How long an announced peer is kept without a new announce.</summary>
    public TimeSpan PeerLifetime { get; init; } = TimeSpan.FromMinutes(30);

    public int MaxPeersPerInfoHash { get; init; } = 500;

    public int MaxInfoHashes { get; init; } = 2000;

    public int MaxStoredPeers { get; init; } = 50_000;

    /// <summary>BEP 5: a bucket not changed for this long is refreshed with a lookup of a random id in it.</summary>
    public TimeSpan BucketRefreshInterval { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>How often a torrent kept announced (see <see cref="DhtNode.KeepAnnouncing"/>) is announced again.</summary>
    public TimeSpan ReannounceInterval { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// The first retry delay of an announce round that reached no node, or found no peer for a torrent that wants some;
    /// it doubles on each unfruitful round up to <see cref="ReannounceInterval"/>.
    /// </summary>
    public TimeSpan AnnounceRetryInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The period of the node's housekeeping: refreshes, pings, token secret, expiry, re-announces.</summary>
    public TimeSpan MaintenanceInterval { get; init; } = TimeSpan.FromMinutes(1);

    internal void Validate()
    {
        if (Alpha is < 1 or > 16) throw new ArgumentOutOfRangeException(nameof(Alpha), Alpha, "must be 1..16");
        if (QueryTimeout <= TimeSpan.Zero || QuerySoftTimeout <= TimeSpan.Zero || QuerySoftTimeout > QueryTimeout)
            throw new ArgumentException("need 0 < QuerySoftTimeout <= QueryTimeout");
        if (MaxOutstandingQueries < Alpha) throw new ArgumentOutOfRangeException(nameof(MaxOutstandingQueries));
        if (MaxReplyBytes is < 512 or > KrpcParser.MaxDatagramLength) throw new ArgumentOutOfRangeException(nameof(MaxReplyBytes));
        if (UnverifiedReplyFactor < 1) throw new ArgumentOutOfRangeException(nameof(UnverifiedReplyFactor));
        if (QueriesPerSecondPerAddress <= 0 || QueryBurstPerAddress < 1 || QueriesPerSecond <= 0)
            throw new ArgumentException("query rate limits must be positive");
        if (MaintenanceInterval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(MaintenanceInterval));
        if (AnnounceRetryInterval <= TimeSpan.Zero || ReannounceInterval < AnnounceRetryInterval)
            throw new ArgumentException("need 0 < AnnounceRetryInterval <= ReannounceInterval");
    }
}
