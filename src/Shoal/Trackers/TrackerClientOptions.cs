namespace Shoal.Trackers;

/// <summary>Settings for tracker clients and the announce scheduler. Defaults suit the open internet; tests shrink the timeouts.</summary>
public sealed record TrackerClientOptions
{
    public static TrackerClientOptions Default { get; } = new();

    /// <summary>Clock for request timeouts and the UDP connection-id lifetime.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>How long a TCP connect to an HTTP tracker may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one HTTP request (connect, send, and read the whole answer) may take.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Largest (decompressed) HTTP answer read; more is an error rather than a memory risk.</summary>
    public int MaxResponseBytes { get; init; } = 2 * 1024 * 1024;

    /// <summary>Most peers taken from one answer; the rest are ignored.</summary>
    public int MaxPeers { get; init; } = 1000;

    /// <summary>First UDP wait before retransmitting; doubles per attempt (BEP 15 says 15 s) up to <see cref="UdpMaxTimeout"/>.</summary>
    public TimeSpan UdpTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Cap on one UDP wait: BEP 15's own schedule grows to an hour, far too long to find a better tracker.</summary>
    public TimeSpan UdpMaxTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Retransmissions after the first UDP send before giving up.</summary>
    public int UdpRetries { get; init; } = 2;

    /// <summary>How long a UDP connection id is reused (BEP 15: one minute).</summary>
    public TimeSpan UdpConnectionIdLifetime { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Re-announce interval when a tracker does not say.</summary>
    public TimeSpan DefaultInterval { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Floor on any re-announce interval (a tracker answering "interval 0" must not make us spin).</summary>
    public TimeSpan MinimumInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Ceiling on any re-announce interval, so a tracker cannot put us to sleep for days.</summary>
    public TimeSpan MaximumInterval { get; init; } = TimeSpan.FromHours(2);

    /// <summary>Spacing of manual "announce now" requests when the tracker gave no <c>min interval</c>.</summary>
    public TimeSpan DefaultMinInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>First retry delay after a tier failed; doubles per failure up to <see cref="MaxBackoff"/>, plus up to 25% jitter.</summary>
    public TimeSpan MinBackoff { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// Announce to the first working tracker of every tier (as libtorrent and most clients do) rather than stopping at
    /// the first tier that answers (BEP 12's letter). Peers from independent trackers are worth having.
    /// </summary>
    public bool AnnounceToAllTiers { get; init; } = true;

    /// <summary>Sent as User-Agent to HTTP trackers.</summary>
    public string UserAgent { get; init; } = "Shoal/0.1";

    /// <summary>
    /// Handler shared by the HTTP clients (the caller owns and disposes it); when null each HTTP client owns a
    /// <see cref="SocketsHttpHandler"/> built from <see cref="ConnectTimeout"/>.
    /// </summary>
    public HttpMessageHandler? HttpHandler { get; init; }
}
