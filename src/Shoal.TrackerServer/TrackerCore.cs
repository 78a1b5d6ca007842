using Microsoft.Extensions.Logging;
using Shoal.TrackerServer.Catalogue;
using Shoal.TrackerServer.Operations;
using Shoal.TrackerServer.Registry;
using Shoal.TrackerServer.Service;

namespace Shoal.TrackerServer;

/// <summary>What both front-ends share: the announce service, and the options, clock, logs and catalogue around it.</summary>
internal sealed class TrackerCore
{
    public TrackerCore(TrackerOptions options, SwarmRegistry registry, TimeProvider time, ILoggerFactory loggerFactory)
    {
        Options = options;
        Time = time;
        LoggerFactory = loggerFactory;
        Rate = new AnnounceRate(time);
        Announces = new AnnounceService(options, registry, new TrackerCounters(), time);
        StartedAt = time.GetUtcNow();
    }

    public TrackerOptions Options { get; }
    public AnnounceService Announces { get; }
    public SwarmRegistry Registry => Announces.Registry;
    public TimeProvider Time { get; }
    public ILoggerFactory LoggerFactory { get; }
    public TrackerCounters Counters => Announces.Counters;
    public AnnounceRate Rate { get; }
    public DateTimeOffset StartedAt { get; }

    /// <summary>The catalogue of published .torrent files, when the tracker serves one.</summary>
    public CatalogueService? Catalogue { get; init; }

    /// <summary>False when this address is over its request budget (and counts it).</summary>
    public bool Admit(ReadOnlySpan<byte> address) => Announces.Admit(address);
}
