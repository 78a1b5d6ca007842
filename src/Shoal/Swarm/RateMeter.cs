namespace Shoal.Swarm;

/// <summary>
/// Bytes-per-second over a sliding window of one-second buckets; thread-safe and allocation-free.
/// Used for choking decisions, adaptive request queues and the progress display.
/// </summary>
public sealed class RateMeter(TimeProvider time, int windowSeconds = 5)
{
    private readonly long[] _buckets = new long[windowSeconds + 1];
    private readonly Lock _sync = new();
    private long _currentSecond = -1;
    private long _total;

    public long Total => Interlocked.Read(ref _total);

    public void Add(long bytes)
    {
        long second = NowSeconds();
        lock (_sync)
        {
            Roll(second);
            _buckets[second % _buckets.Length] += bytes;
            _total += bytes;
        }
    }

    /// <summary>Average rate over the completed seconds of the window plus the current partial second.</summary>
    public double BytesPerSecond
    {
        get
        {
            long nowTicks = time.GetTimestamp();
            double nowSeconds = (double)nowTicks / time.TimestampFrequency;
            long second = (long)nowSeconds;
            lock (_sync)
            {
                Roll(second);
                long sum = 0;
                foreach (long b in _buckets) sum += b;
                // Completed buckets count fully; the current one by the fraction of the second elapsed.
                double span = _buckets.Length - 1 + (nowSeconds - second);
                return sum / Math.Max(span, 1.0);
            }
        }
    }

    private long NowSeconds() => time.GetTimestamp() / time.TimestampFrequency;

    private void Roll(long second)
    {
        if (_currentSecond < 0) _currentSecond = second;
        if (second <= _currentSecond) return;
        long steps = Math.Min(second - _currentSecond, _buckets.Length);
        for (long s = 1; s <= steps; s++) _buckets[(_currentSecond + s) % _buckets.Length] = 0;
        _currentSecond = second;
    }
}
