using Shoal.Metainfo;
using Shoal.Trackers.Udp;
using Shoal.TrackerServer.Operations;
using Shoal.TrackerServer.Registry;

namespace Shoal.TrackerServer.Service;

/// <summary>
/// The tracker's announce and scrape logic, written once for both front-ends (as chihaya's front-ends share one
/// TrackerLogic): the HTTP and UDP front-ends only parse requests and write answers. Here are the rate limit, whose
/// claimed address is believed, the numwant clamp, the allow-list and the refusals, and the counters.
/// Thread-safe; an announce allocates nothing (the caller brings a <see cref="PeerSelection"/> per thread).
/// </summary>
public sealed class AnnounceService
{
    private readonly IpRateLimiter? _rateLimiter;

    public AnnounceService(TrackerOptions options, SwarmRegistry registry, TrackerCounters counters, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        Registry = registry;
        Counters = counters;
        _rateLimiter = options.RateLimitPerSecond > 0 ? new IpRateLimiter(options.RateLimitPerSecond, options.EffectiveBurst, time) : null;
        IntervalSeconds = (int)options.AnnounceInterval.TotalSeconds;
        MinIntervalSeconds = (int)options.MinAnnounceInterval.TotalSeconds;
    }

    public TrackerOptions Options { get; }

    public SwarmRegistry Registry { get; }

    public TrackerCounters Counters { get; }

    public int IntervalSeconds { get; }

    public int MinIntervalSeconds { get; }

    /// <summary>False when this address (4 or 16 bytes) is over its request budget (and counts it).</summary>
    public bool Admit(ReadOnlySpan<byte> address)
    {
        if (_rateLimiter is null || _rateLimiter.TryAcquire(address)) return true;
        Counters.RateLimit();
        return false;
    }

    /// <summary>Registers (or removes) the peer and fills <paramref name="selection"/> with peers for it.</summary>
    public AnnounceOutcome Announce(in AnnounceInput input, PeerSelection selection)
    {
        if (input.Protocol == TrackerProtocol.Udp) Counters.UdpAnnounce();
        else Counters.HttpAnnounce();
        if (input.Source.Trust == SourceTrust.Unidentified)
        {
            selection.Clear();
            Counters.Refuse();
            return new AnnounceOutcome(AnnounceStatus.ClientUnknown, 0, 0, 0, false);
        }
        var endpoint = ListedEndpoint(in input);
        int numWant = input.NumWant < 0 ? Options.DefaultNumWant : Math.Min(input.NumWant, Options.MaxNumWant);
        // A UDP answer is one unfragmented datagram of the requester's own family.
        if (input.Protocol == TrackerProtocol.Udp) numWant = Math.Min(numWant, UdpTrackerCodec.MaxPeers(endpoint.IsIPv6));
        var request = new PeerAnnounce(input.InfoHash, input.PeerId, endpoint, input.Event, input.IsSeeder, numWant,
            WantPeerIds: input.WantPeerIds && Options.ExposePeerIds, IncludeOtherFamily: input.Protocol == TrackerProtocol.Http);
        var result = Registry.Announce(in request, selection);
        if (result.Status != AnnounceStatus.Ok) Counters.Refuse();
        return new AnnounceOutcome(result.Status, result.Seeders, result.Leechers, result.Downloaded, endpoint.IsIPv6);
    }

    /// <summary>False for a torrent off the allow-list (when there is one): it is neither tracked nor scraped.</summary>
    public bool Serves(InfoHash infoHash) => Registry.Allow is not { } allow || allow.Contains(infoHash);

    /// <summary>Counts for one torrent: zeros for torrents this tracker does not serve, as for unknown ones.</summary>
    public ScrapeCounts Scrape(InfoHash infoHash) => Serves(infoHash) ? Registry.Scrape(infoHash) : default;

    // The address the peer is listed at: its own claim when the operator trusts claims or the client is local,
    // else the address the request came from. A UDP answer's peer format follows the socket's family (BEP 15), so
    // over UDP only a claim of the source's own family can be used.
    private PeerEndpoint ListedEndpoint(in AnnounceInput input)
    {
        var source = input.Source.Address;
        bool believed = Options.TrustIpParameter || input.Source.Trust == SourceTrust.Local;
        if (believed && input.ClaimedAddress is { } claimed && (input.Protocol == TrackerProtocol.Http || claimed.IsIPv6 == source.IsIPv6))
            return claimed.WithPort(input.Port);
        return source.WithPort(input.Port);
    }
}
