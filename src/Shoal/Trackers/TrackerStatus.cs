namespace Shoal.Trackers;

public enum TrackerState
{
    /// <summary>Not contacted yet (or only tried after others in its tier failed).</summary>
    Idle,
    Announcing,
    Working,
    Failing,

    /// <summary>The URL cannot be used (bad syntax or unsupported scheme); never contacted.</summary>
    Invalid,
}

/// <summary>
/// A snapshot of one tracker for displays. <see cref="NextAnnounce"/> is set only for the tracker its tier will try
/// first; <see cref="LastError"/> is the last failure's one-line message, cleared by a success.
/// </summary>
public sealed record TrackerStatus(
    string Url,
    int Tier,
    TrackerState State,
    DateTimeOffset? LastAnnounce,
    DateTimeOffset? NextAnnounce,
    string? LastError,
    string? WarningMessage,
    int LastPeerCount,
    int? Seeders,
    int? Leechers,
    TimeSpan? Interval);
