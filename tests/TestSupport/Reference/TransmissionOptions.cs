namespace Shoal.Tests.Support.Reference;

/// <summary>How to run a <see cref="TransmissionPeer"/>; everything else follows ../shared/INTEROP.md.</summary>
public sealed record TransmissionOptions
{
    /// <summary>TCP port on 127.0.0.1; 0 picks a free one.</summary>
    public int ListenPort { get; init; }

    /// <summary>Bytes per second, 0 = unlimited (Transmission limits in whole kB/s, 1 kB = 1000 bytes here).</summary>
    public long UploadRateLimit { get; init; }

    /// <summary>Bytes per second, 0 = unlimited.</summary>
    public long DownloadRateLimit { get; init; }

    /// <summary>Bound on waiting for Transmission to start listening.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public string? Executable { get; init; }
}
