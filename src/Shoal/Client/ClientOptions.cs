using System.Net;
using Microsoft.Extensions.Logging;
using Shoal.Storage;
using Shoal.Swarm;
using Shoal.Trackers;

namespace Shoal.Client;

/// <summary>Everything a <see cref="ShoalClient"/> needs besides the torrents themselves.</summary>
public sealed record ClientOptions
{
    public EngineSettings Engine { get; init; } = new();

    public TrackerClientOptions Trackers { get; init; } = TrackerClientOptions.Default;

    public StorageOptions Storage { get; init; } = StorageOptions.Default;

    /// <summary>The address announced to trackers instead of the one they see (<c>--announce-ip</c>); null = let the tracker decide.</summary>
    public IPAddress? AnnounceAddress { get; init; }

    /// <summary>Peers asked for per announce.</summary>
    public int NumWant { get; init; } = 50;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Where the engine and the trackers log (connections, bans, tracker errors); null = nowhere.</summary>
    public ILoggerFactory? Loggers { get; init; }

    /// <summary>
    /// When the listen port is taken, try this many following ports before giving up (for a default port;
    /// a port the user asked for explicitly should fail instead, so leave this 0 then).
    /// </summary>
    public int PortSearchRange { get; init; }
}
