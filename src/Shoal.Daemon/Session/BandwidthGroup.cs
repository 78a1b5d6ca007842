namespace Shoal.Daemon.Session;

/// <summary>
/// A named bandwidth group (Transmission's group-set / group-get, RPC 17): its torrents share its speed limits (kB/s,
/// 1000 bytes per second), under the session's unless <see cref="HonorsSessionLimits"/> is off. Defaults are Transmission's.
/// </summary>
public sealed record BandwidthGroup
{
    public required string Name { get; init; }

    public bool HonorsSessionLimits { get; init; } = true;

    public long SpeedLimitDown { get; init; }

    public bool SpeedLimitDownEnabled { get; init; }

    public long SpeedLimitUp { get; init; }

    public bool SpeedLimitUpEnabled { get; init; }
}
