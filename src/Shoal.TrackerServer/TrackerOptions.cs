using System.Net;
using Shoal.TrackerServer.Registry;

namespace Shoal.TrackerServer;

/// <summary>Everything a <see cref="TrackerHost"/> can be told. Defaults suit a public tracker on port 9090.</summary>
public sealed record TrackerOptions
{
    /// <summary>IP address to listen on (HTTP and UDP): "0.0.0.0", "::" (dual-stack), "127.0.0.1", "localhost", ...</summary>
    public string Host { get; init; } = "0.0.0.0";

    /// <summary>Port for both HTTP (TCP) and UDP; 0 picks a free port that is free on both.</summary>
    public int Port { get; init; } = 9090;

    /// <summary>SQLite file keeping swarms and completed counters across restarts; null keeps everything in memory.</summary>
    public string? DatabasePath { get; init; }

    /// <summary>File of permitted info-hashes (private tracker); null serves every torrent.</summary>
    public string? AllowListPath { get; init; }

    /// <summary>
    /// Honour the announce's ip/ipv4/ipv6 parameter (and BEP 15's IP field) instead of the source address. It is always
    /// honoured from a loopback source that reaches the tracker directly (no proxy header, no <see cref="TrustProxy"/>):
    /// a peer on the tracker's own machine reaches it over 127.0.0.1, an address useless to everyone else, and its
    /// parameter (shoal's --announce-ip) names the one the LAN can reach. (Trusting a local process costs nothing: it
    /// could announce from any of the machine's addresses anyway.)
    /// </summary>
    public bool TrustIpParameter { get; init; }

    /// <summary>
    /// Take the client address from the last X-Forwarded-For entry (only behind a reverse proxy you run); an announce
    /// without one is refused, since the tracker cannot tell who sent it.
    /// </summary>
    public bool TrustProxy { get; init; }

    public TimeSpan AnnounceInterval { get; init; } = TimeSpan.FromMinutes(30);

    public TimeSpan MinAnnounceInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>A peer that has not re-announced for this long is dropped; default 1.5 × <see cref="AnnounceInterval"/>.</summary>
    public TimeSpan? PeerTimeout { get; init; }

    /// <summary>Peers returned when the client does not say how many it wants.</summary>
    public int DefaultNumWant { get; init; } = 50;

    /// <summary>Upper bound on peers returned per announce, whatever the client asks.</summary>
    public int MaxNumWant { get; init; } = 200;

    /// <summary>Requests per second allowed per IPv4 address or IPv6 /64 (token bucket); 0 turns rate limiting off.</summary>
    public double RateLimitPerSecond { get; init; }

    /// <summary>Bucket size: the burst a client may spend at once; 0 means 4 × the rate (at least 10).</summary>
    public int RateLimitBurst { get; init; }

    /// <summary>Torrents held at most; announces for new torrents beyond it are refused.</summary>
    public int MaxTorrents { get; init; } = SwarmLimits.DefaultMaxTorrents;

    /// <summary>Peers held at most over every swarm; beyond it the least recently seen sixteenth is dropped.</summary>
    public int MaxPeers { get; init; } = SwarmLimits.DefaultMaxPeers;

    /// <summary>Peers held at most in one swarm; beyond it the swarm's least recently seen sixteenth is dropped.</summary>
    public int MaxPeersPerSwarm { get; init; } = SwarmLimits.DefaultMaxPeersPerSwarm;

    /// <summary>
    /// Peers held at most per source address (an IPv4 address, an IPv6 /64) in one swarm; a newcomer beyond it replaces
    /// that source's least recently seen peer. 0 means no cap (benchmarks whose peers all share 127.0.0.1).
    /// </summary>
    public int MaxPeersPerAddress { get; init; } = SwarmLimits.DefaultMaxPeersPerSource;

    /// <summary>
    /// Put each peer's id in non-compact (compact=0) answers. Off by default: an id learned there used to be enough to
    /// impersonate its peer, and no current client needs it.
    /// </summary>
    public bool ExposePeerIds { get; init; }

    /// <summary>UDP receive threads; 0 means one per two processors (threads sharing one socket contend for it, and
    /// on a small machine the cores are better left to HTTP and the clients).</summary>
    public int UdpReceiveLoops { get; init; }

    /// <summary>On Linux, receive and answer UDP datagrams in batches (recvmmsg/sendmmsg); false forces one call per datagram.</summary>
    public bool UdpBatching { get; init; } = true;

    /// <summary>How often expired peers are swept out.</summary>
    public TimeSpan? SweepInterval { get; init; }

    /// <summary>How often changed swarms are written to the database (batched, off the request path).</summary>
    public TimeSpan StoreFlushInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Serve a catalogue of published .torrent files at /catalogue (see <see cref="Catalogue.TorrentCatalogue"/>).</summary>
    public bool Catalogue { get; init; }

    /// <summary>The shared secret publishing to (or removing from) the catalogue needs; listing never does.</summary>
    public string? CatalogueKey { get; init; }

    /// <summary>Let anyone who can reach the tracker publish to its catalogue, without a key.</summary>
    public bool CatalogueOpen { get; init; }

    /// <summary>Catalogue entries held at most; publishing more is refused until some are removed.</summary>
    public int CatalogueMaxEntries { get; init; } = 10_000;

    /// <summary>Largest .torrent accepted for the catalogue.</summary>
    public int CatalogueMaxTorrentBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>Bytes of .torrent files the catalogue holds at most (they are kept in memory).</summary>
    public long CatalogueMaxTotalBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>Publishes (and removals) allowed per client IP per minute, whatever <see cref="RateLimitPerSecond"/> says.</summary>
    public double CataloguePublishesPerMinute { get; init; } = 30;

    /// <summary>An entry whose swarm has had no seeder for this long is shown as stale (never deleted automatically).</summary>
    public TimeSpan CatalogueStaleAfter { get; init; } = TimeSpan.FromHours(24);

    public const int MaxPortNumber = 65535;

    /// <summary>Environment variable holding the catalogue key (for both the tracker and the publisher).</summary>
    public const string CatalogueKeyVariable = "SHOAL_CATALOGUE_KEY";

    /// <summary>The largest numwant cap accepted (buffers are sized for it).</summary>
    public const int MaxNumWantLimit = 2000;

    internal TimeSpan EffectivePeerTimeout => PeerTimeout ?? AnnounceInterval + AnnounceInterval / 2;

    internal TimeSpan EffectiveSweepInterval =>
        SweepInterval ?? TimeSpan.FromSeconds(Math.Clamp(EffectivePeerTimeout.TotalSeconds / 4, 1, 60));

    internal int EffectiveUdpLoops => UdpReceiveLoops > 0 ? UdpReceiveLoops : Math.Max(1, Environment.ProcessorCount / 2);

    internal SwarmLimits Limits => new(MaxTorrents, MaxPeers, MaxPeersPerSwarm, MaxPeersPerAddress);

    internal int EffectiveBurst => RateLimitBurst > 0 ? RateLimitBurst : (int)Math.Max(10, RateLimitPerSecond * 4);

    /// <summary>The listening address; throws <see cref="ArgumentException"/> for anything that is not an IP literal or localhost.</summary>
    internal IPAddress HostAddress =>
        string.Equals(Host, "localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback
        : IPAddress.TryParse(Host.Trim('[', ']'), out var address) ? address
        : throw new ArgumentException($"--host must be an IP address (e.g. 0.0.0.0, ::, 127.0.0.1), not '{Host}'");

    /// <summary>Throws <see cref="ArgumentException"/> with a message fit for the user when a value is out of range.</summary>
    public void Validate()
    {
        _ = HostAddress;
        if (Port is < 0 or > MaxPortNumber) throw new ArgumentException($"port must be between 0 and {MaxPortNumber}, not {Port}");
        if (AnnounceInterval < TimeSpan.FromSeconds(1)) throw new ArgumentException("the announce interval must be at least 1 second");
        if (MinAnnounceInterval < TimeSpan.Zero || MinAnnounceInterval > AnnounceInterval)
            throw new ArgumentException("the minimum announce interval must be between 0 and the announce interval");
        if (EffectivePeerTimeout < AnnounceInterval) throw new ArgumentException("the peer timeout must be at least the announce interval");
        if (MaxNumWant < 1 || MaxNumWant > MaxNumWantLimit) throw new ArgumentException($"the numwant cap must be between 1 and {MaxNumWantLimit}");
        if (DefaultNumWant < 0 || DefaultNumWant > MaxNumWant) throw new ArgumentException("the default numwant must be between 0 and the cap");
        if (RateLimitPerSecond < 0 || double.IsNaN(RateLimitPerSecond)) throw new ArgumentException("the rate limit must be 0 (off) or positive");
        Limits.Validate();
        if (UdpReceiveLoops is < 0 or > 64) throw new ArgumentException("UDP receive threads must be between 0 (automatic) and 64");
        if (StoreFlushInterval <= TimeSpan.Zero) throw new ArgumentException("the store flush interval must be positive");
        if (CatalogueKey is not null && !Catalogue) throw new ArgumentException("--catalogue-key needs --catalogue");
        if (CatalogueOpen && !Catalogue) throw new ArgumentException("--catalogue-open needs --catalogue");
        if (CatalogueKey is { Length: 0 }) throw new ArgumentException("the catalogue key must not be empty");
        if (CatalogueOpen && CatalogueKey is not null)
            throw new ArgumentException("--catalogue-open lets anyone publish: it cannot be combined with a catalogue key");
        if (Catalogue && !CatalogueOpen && CatalogueKey is null)
            throw new ArgumentException($"the catalogue needs a publishing key (--catalogue-key KEY, or ${CatalogueKeyVariable}), or --catalogue-open to let anyone publish");
        if (CatalogueMaxEntries < 1) throw new ArgumentException("the catalogue entry limit must be positive");
        if (CatalogueMaxTorrentBytes < 1024) throw new ArgumentException("the catalogue .torrent size limit must be at least 1024 bytes");
        if (CatalogueMaxTotalBytes < CatalogueMaxTorrentBytes) throw new ArgumentException("the catalogue total size must be at least its .torrent size limit");
        if (CataloguePublishesPerMinute <= 0 || double.IsNaN(CataloguePublishesPerMinute)) throw new ArgumentException("the catalogue publish rate must be positive");
        if (CatalogueStaleAfter <= TimeSpan.Zero) throw new ArgumentException("the catalogue stale time must be positive");
    }
}
