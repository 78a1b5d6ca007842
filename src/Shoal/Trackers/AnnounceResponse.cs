using System.Net;

namespace Shoal.Trackers;

/// <summary>
/// A tracker's successful answer. <paramref name="Peers"/> mixes IPv4 and IPv6 endpoints and is already bounded
/// by <see cref="TrackerClientOptions.MaxPeers"/>; <paramref name="Interval"/> is what the tracker asked for (or
/// <see cref="TrackerClientOptions.DefaultInterval"/> when it said nothing).
/// </summary>
public sealed record AnnounceResponse(
    TimeSpan Interval,
    TimeSpan? MinInterval,
    IReadOnlyList<IPEndPoint> Peers,
    int? Seeders,
    int? Leechers,
    string? WarningMessage);
