namespace Shoal.Daemon.Session;

/// <summary>
/// The daemon's settings a remote can change (Transmission's session-set), stored in the state database so a restart
/// keeps them. Speeds are in the RPC's kB/s (1000 bytes per second); times of day in minutes after midnight.
/// Defaults are Transmission's.
/// </summary>
public sealed record SessionSettings
{
    public required string DownloadDir { get; init; }

    public long SpeedLimitDown { get; init; } = 100;

    public bool SpeedLimitDownEnabled { get; init; }

    public long SpeedLimitUp { get; init; } = 100;

    public bool SpeedLimitUpEnabled { get; init; }

    public long AltSpeedDown { get; init; } = 50;

    public long AltSpeedUp { get; init; } = 50;

    public bool AltSpeedEnabled { get; init; }

    public bool AltSpeedTimeEnabled { get; init; }

    public int AltSpeedTimeBegin { get; init; } = 540;

    public int AltSpeedTimeEnd { get; init; } = 1020;

    /// <summary>Days the schedule runs, as a bit mask: Sunday = 1, Monday = 2, … Saturday = 64 (127 = every day).</summary>
    public int AltSpeedTimeDay { get; init; } = 127;

    public bool DownloadQueueEnabled { get; init; } = true;

    public int DownloadQueueSize { get; init; } = 5;

    public bool SeedQueueEnabled { get; init; }

    public int SeedQueueSize { get; init; } = 10;

    public bool QueueStalledEnabled { get; init; } = true;

    public int QueueStalledMinutes { get; init; } = 30;

    public double SeedRatioLimit { get; init; } = 2.0;

    public bool SeedRatioLimited { get; init; }

    public int IdleSeedingLimit { get; init; } = 30;

    public bool IdleSeedingLimitEnabled { get; init; }

    public bool StartAddedTorrents { get; init; } = true;

    public bool TrashOriginalTorrentFiles { get; init; }

    /// <summary>Peers per torrent for torrents added from now on (the engine's own limit is fixed at start: --max-peers).</summary>
    public int PeerLimitPerTorrent { get; init; } = 80;

    /// <summary>Transmission's `encryption` (required, preferred, tolerated) as last set over RPC; null: the command line's --encryption.</summary>
    public string? Encryption { get; init; }

    /// <summary>`utp-enabled` as last set over RPC; null: the command line's --transport.</summary>
    public bool? UtpEnabled { get; init; }

    /// <summary>`dht-enabled` as last set over RPC; null: the command line's (--no-dht).</summary>
    public bool? DhtEnabled { get; init; }

    /// <summary>Upload and download caps in force now, in bytes per second (0 = none): the alternative pair when it is on.</summary>
    public (long Up, long Down) EffectiveLimits() => AltSpeedEnabled
        ? (AltSpeedUp * 1000, AltSpeedDown * 1000)
        : (SpeedLimitUpEnabled ? SpeedLimitUp * 1000 : 0, SpeedLimitDownEnabled ? SpeedLimitDown * 1000 : 0);

    /// <summary>Whether the alternative-speed schedule says "on" at <paramref name="localTime"/>.</summary>
    public bool AltScheduleActive(DateTime localTime)
    {
        if ((AltSpeedTimeDay & (1 << (int)localTime.DayOfWeek)) == 0) return false;
        int minute = localTime.Hour * 60 + localTime.Minute;
        return AltSpeedTimeBegin <= AltSpeedTimeEnd
            ? minute >= AltSpeedTimeBegin && minute < AltSpeedTimeEnd
            : minute >= AltSpeedTimeBegin || minute < AltSpeedTimeEnd; // a window across midnight
    }
}

/// <summary>Bytes moved, torrents added, time run: for this run (current) and all runs (cumulative).</summary>
public sealed record TransferStats(long UploadedBytes, long DownloadedBytes, long FilesAdded, long SessionCount, long SecondsActive)
{
    public static TransferStats Zero { get; } = new(0, 0, 0, 0, 0);
}
