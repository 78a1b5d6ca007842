namespace Shoal.Tests.Support.Reference;

/// <summary>How to run an <see cref="Aria2Peer"/>; everything else follows ../shared/INTEROP.md.</summary>
public sealed record Aria2Options
{
    /// <summary>TCP port on 127.0.0.1; 0 picks a free one.</summary>
    public int ListenPort { get; init; }

    /// <summary>Bytes per second, 0 = unlimited (--max-upload-limit).</summary>
    public long UploadRateLimit { get; init; }

    /// <summary>Bytes per second, 0 = unlimited (--max-download-limit).</summary>
    public long DownloadRateLimit { get; init; }

    /// <summary>For a download: keep seeding after it completes (the default, --seed-time=0, exits instead).</summary>
    public bool KeepSeeding { get; init; }

    /// <summary>Re-announce this often (--bt-tracker-interval) instead of at the tracker's interval.</summary>
    public TimeSpan? TrackerInterval { get; init; }

    /// <summary>Bound on waiting for aria2 to listen.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public string? Executable { get; init; }
}
