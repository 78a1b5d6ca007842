using System.Net;

namespace Shoal.Discovery;

/// <summary>How local service discovery (BEP 14) behaves; it is only ever started when a client enables it.</summary>
public sealed record LsdOptions
{
    public static LsdOptions Default { get; } = new();

    /// <summary>
    /// The one interface to announce and listen on, named by one of its addresses (the client's <c>--bind</c>).
    /// Null or a wildcard address: every interface that is up, multicast-capable and not loopback.
    /// </summary>
    public IPAddress? InterfaceAddress { get; init; }

    public bool UseIPv4 { get; init; } = true;

    public bool UseIPv6 { get; init; } = true;

    /// <summary>How often each torrent is announced while it runs (BEP 14: every 5 minutes).</summary>
    public TimeSpan AnnounceInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>A torrent is never announced more often than this, even when re-added (BEP 14: at most once a minute).</summary>
    public TimeSpan MinAnnounceInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Inbound announces processed per second; the rest are dropped unread.</summary>
    public int MaxInboundPerSecond { get; init; } = 20;

    /// <summary>IP_MULTICAST_TTL / hop limit. 1 keeps announces on the local link.</summary>
    public int MulticastTtl { get; init; } = 1;
}
