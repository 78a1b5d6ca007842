using Microsoft.Extensions.Logging;
using Shoal.TrackerServer.Catalogue;
using Shoal.TrackerServer.Operations;
using Shoal.TrackerServer.Registry;

namespace Shoal.TrackerServer;

/// <summary>What both front-ends share: options, the registry, counters and the rate limiter.</summary>
internal sealed class TrackerCore
{
    public TrackerCore(TrackerOptions options, SwarmRegistry registry, TimeProvider time, ILoggerFactory loggerFactory)
    {
        Options = options;
        Registry = registry;
        Time = time;
        LoggerFactory = loggerFactory;
        Rate = new AnnounceRate(time);
        RateLimiter = options.RateLimitPerSecond > 0 ? new IpRateLimiter(options.RateLimitPerSecond, options.EffectiveBurst, time) : null;
        IntervalSeconds = (int)options.AnnounceInterval.TotalSeconds;
        MinIntervalSeconds = (int)options.MinAnnounceInterval.TotalSeconds;
        StartedAt = time.GetUtcNow();
    }

    public TrackerOptions Options { get; }
    public SwarmRegistry Registry { get; }
    public TimeProvider Time { get; }
    public ILoggerFactory LoggerFactory { get; }
    public TrackerCounters Counters { get; } = new();
    public AnnounceRate Rate { get; }
    public IpRateLimiter? RateLimiter { get; }
    public int IntervalSeconds { get; }
    public int MinIntervalSeconds { get; }
    public DateTimeOffset StartedAt { get; }

    /// <summary>The catalogue of published .torrent files, when the tracker serves one.</summary>
    public CatalogueService? Catalogue { get; init; }

    /// <summary>False when this address is over its request budget (and counts it).</summary>
    public bool Admit(ReadOnlySpan<byte> address)
    {
        if (RateLimiter is null || RateLimiter.TryAcquire(address)) return true;
        Counters.RateLimit();
        return false;
    }

    /// <summary>The peers to return: the client's wish (or the default), capped.</summary>
    public int NumWant(int requested) => requested < 0 ? Options.DefaultNumWant : Math.Min(requested, Options.MaxNumWant);
}
