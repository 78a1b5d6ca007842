namespace Shoal.Swarm;

/// <summary>
/// A token-bucket rate limiter (upload or download): the engine's is shared by all its connections, and each torrent has
/// its own under it (<see cref="Parent"/>), so bytes pass only when both allow them. A rate of 0 means unlimited.
/// Waiters are released as tokens accrue; the burst is a fraction of a second's worth, so limits hold over short
/// intervals as well as on average.
/// </summary>
public sealed class TokenBucket
{
    private readonly TimeProvider _time;
    private readonly Lock _sync = new();
    private long _rate;
    private double _tokens;
    private long _lastTimestamp;
    private TokenBucket? _parent;

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

    /// <summary>A bucket every byte passing this one is also charged to (a torrent's: the engine's); null for none.</summary>
    public TokenBucket? Parent
    {
        get => Volatile.Read(ref _parent);
        set
        {
            for (var ancestor = value; ancestor is not null; ancestor = ancestor.Parent)
                if (ReferenceEquals(ancestor, this)) throw new ArgumentException("a bucket cannot be its own ancestor", nameof(value));
            Volatile.Write(ref _parent, value);
        }
    }

    // A tenth of a second's allowance, but at least one block so a single block can always pass.
    private double Burst => Math.Max(_rate / 10.0, 16 * 1024);

    /// <summary>Waits until <paramref name="bytes"/> may pass. Returns synchronously when unlimited or tokens are available.</summary>
    public ValueTask WaitAsync(int bytes, CancellationToken ct)
    {
        var delay = Reserve(bytes);
        return delay <= TimeSpan.Zero ? ValueTask.CompletedTask : new ValueTask(Task.Delay(delay, _time, ct));
    }

    /// <summary>Charges the bytes here and to every ancestor; returns how long until all of them allow them.</summary>
    private TimeSpan Reserve(int bytes)
    {
        var delay = TimeSpan.Zero;
        if (!IsUnlimited)
        {
            lock (_sync)
            {
                Refill();
                _tokens -= bytes;
                // Debt is paid back at the configured rate: sleep for exactly that long (the rate may have just become 0).
                if (_tokens < 0 && _rate > 0) delay = TimeSpan.FromSeconds(-_tokens / _rate);
            }
        }
        if (Parent is not { } parent) return delay;
        var parentDelay = parent.Reserve(bytes);
        return parentDelay > delay ? parentDelay : delay;
    }

    private void Refill()
    {
        long now = _time.GetTimestamp();
        double elapsed = (double)(now - _lastTimestamp) / _time.TimestampFrequency;
        _lastTimestamp = now;
        _tokens = Math.Min(Burst, _tokens + elapsed * _rate);
    }
}
