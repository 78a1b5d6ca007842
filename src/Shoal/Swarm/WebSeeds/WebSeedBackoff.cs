namespace Shoal.Swarm.WebSeeds;

/// <summary>
/// When a web seed may be tried again. Each failure in a row doubles the wait (from <see cref="WebSeedOptions.ErrorBackoff"/>
/// for server errors and timeouts, <see cref="WebSeedOptions.NotFoundBackoff"/> for refusals), with ±20% jitter so
/// many clients do not return together; a server's Retry-After replaces the computed wait; every wait is capped at
/// <see cref="WebSeedOptions.MaxBackoff"/>. A success starts over; bad data bans the seed for good.
/// </summary>
public sealed class WebSeedBackoff(WebSeedOptions options, TimeProvider time, Random random)
{
    private readonly Lock _lock = new();
    private DateTimeOffset _retryAt = DateTimeOffset.MinValue;

    public int FailuresInARow { get; private set; }

    public WebSeedFailure LastFailure { get; private set; }

    public bool IsBanned { get; private set; }

    /// <summary>The earliest time of the next try.</summary>
    public DateTimeOffset RetryAt
    {
        get { lock (_lock) return _retryAt; }
    }

    /// <summary>True when the seed may be asked for data now.</summary>
    public bool IsReady
    {
        get { lock (_lock) return !IsBanned && time.GetUtcNow() >= _retryAt; }
    }

    public void Succeeded()
    {
        lock (_lock)
        {
            if (IsBanned) return;
            FailuresInARow = 0;
            LastFailure = WebSeedFailure.None;
            _retryAt = DateTimeOffset.MinValue;
        }
    }

    /// <summary>Records a failure; returns how long the seed now rests (infinite once banned).</summary>
    public TimeSpan Failed(WebSeedFailure failure, TimeSpan? retryAfter = null)
    {
        lock (_lock)
        {
            LastFailure = failure;
            if (failure == WebSeedFailure.BadData)
            {
                IsBanned = true;
                _retryAt = DateTimeOffset.MaxValue;
                return Timeout.InfiniteTimeSpan;
            }
            FailuresInARow++;
            TimeSpan wait;
            if (retryAfter is { } asked)
            {
                wait = asked < TimeSpan.Zero ? TimeSpan.Zero : asked;
            }
            else
            {
                var first = failure is WebSeedFailure.ServerError or WebSeedFailure.Timeout ? options.ErrorBackoff : options.NotFoundBackoff;
                double factor = Math.Pow(2, Math.Min(FailuresInARow - 1, 30)) * (0.8 + 0.4 * random.NextDouble());
                wait = TimeSpan.FromTicks((long)Math.Min(first.Ticks * factor, options.MaxBackoff.Ticks));
            }
            if (wait > options.MaxBackoff) wait = options.MaxBackoff;
            _retryAt = time.GetUtcNow() + wait;
            return wait;
        }
    }
}
