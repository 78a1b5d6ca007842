namespace Shoal.Swarm;

/// <summary>
/// A token-bucket rate limiter shared by all connections of an engine (upload or download).
/// A rate of 0 means unlimited. Waiters are released as tokens accrue; the burst is a fraction of a second's worth,
/// so limits hold over short intervals as well as on average.
/// </summary>
public sealed class TokenBucket
{
    private readonly TimeProvider _time;
    private readonly Lock _sync = new();
    private long _rate;
    private double _tokens;
    private long _lastTimestamp;

    public TokenBucket(long bytesPerSecond, TimeProvider time)
    {
        _time = time;
        _rate = bytesPerSecond;
        _lastTimestamp = time.GetTimestamp();
        _tokens = Burst;
    }

    public long BytesPerSecond
    {
        get => Interlocked.Read(ref _rate);
        set { lock (_sync) _rate = value; }
    }

    public bool IsUnlimited => Interlocked.Read(ref _rate) <= 0;

    // A tenth of a second's allowance, but at least one block so a single block can always pass.
    private double Burst => Math.Max(_rate / 10.0, 16 * 1024);

    /// <summary>Waits until <paramref name="bytes"/> may pass. Returns synchronously when unlimited or tokens are available.</summary>
    public ValueTask WaitAsync(int bytes, CancellationToken ct)
    {
        if (IsUnlimited) return ValueTask.CompletedTask;
        TimeSpan delay;
        lock (_sync)
        {
            Refill();
            _tokens -= bytes;
            if (_tokens >= 0) return ValueTask.CompletedTask;
            // Debt is paid back at the configured rate: sleep for exactly that long.
            delay = TimeSpan.FromSeconds(-_tokens / _rate);
        }
        return new ValueTask(Task.Delay(delay, _time, ct));
    }

    private void Refill()
    {
        long now = _time.GetTimestamp();
        double elapsed = (double)(now - _lastTimestamp) / _time.TimestampFrequency;
        _lastTimestamp = now;
        _tokens = Math.Min(Burst, _tokens + elapsed * _rate);
    }
}
