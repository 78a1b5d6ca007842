using System.Net;

namespace Shoal.Discovery.Dht;

/// <summary>What one lookup (or the lookups of both address families together) did and found.</summary>
/// <param name="Closest">The closest nodes that answered, closest first (up to 8 per address family).</param>
/// <param name="QueriesSent">find_node/get_peers queries sent (announce_peer not counted).</param>
/// <param name="Responses">Answers received to those.</param>
/// <param name="Timeouts">Queries that were never answered (announce_peer included).</param>
/// <param name="Duration">From start to the end of the search (and of the announces, for an announce).</param>
/// <param name="ConvergedAfter">From start to the last change of the closest set: when the result was final.</param>
/// <param name="PeersFound">Distinct peers handed out (get_peers and announce lookups).</param>
/// <param name="AnnouncedTo">Nodes that acknowledged our announce_peer.</param>
public sealed record DhtLookupResult(
    NodeId Target,
    IReadOnlyList<NodeContact> Closest,
    int QueriesSent,
    int Responses,
    int Timeouts,
    TimeSpan Duration,
    TimeSpan ConvergedAfter,
    int PeersFound,
    int AnnouncedTo);

/// <summary>A snapshot of a node's state, for status lines, metrics and tests.</summary>
public sealed record DhtStats
{
    public required NodeId Id { get; init; }

    /// <summary>Nodes in the IPv4 / IPv6 routing tables' buckets (good, questionable and bad).</summary>
    public int Nodes { get; init; }

    public int Nodes6 { get; init; }

    /// <summary>Of those, the good ones (answered in the last 15 minutes).</summary>
    public int GoodNodes { get; init; }

    /// <summary>Nodes waiting in the replacement caches.</summary>
    public int Replacements { get; init; }

    public int Buckets { get; init; }

    public int StoredInfoHashes { get; init; }

    public int StoredPeers { get; init; }

    public int OutstandingQueries { get; init; }

    public int ActiveLookups { get; init; }

    /// <summary>Our address as most nodes report it (BEP 42 "ip"), once enough agree.</summary>
    public IPAddress? ExternalAddress { get; init; }

    public long QueriesReceived { get; init; }

    /// <summary>Incoming ping, find_node, get_peers and announce_peer queries answered.</summary>
    public long PingsAnswered { get; init; }

    public long FindNodesAnswered { get; init; }

    public long GetPeersAnswered { get; init; }

    public long AnnouncesAccepted { get; init; }

    /// <summary>Queries dropped by the per-address or global rate limit.</summary>
    public long QueriesRateLimited { get; init; }

    /// <summary>Datagrams dropped as malformed, oversized or answering nothing we asked.</summary>
    public long Dropped { get; init; }

    public long QueriesSent { get; init; }

    public long ResponsesReceived { get; init; }

    public long QueryTimeouts { get; init; }
}
