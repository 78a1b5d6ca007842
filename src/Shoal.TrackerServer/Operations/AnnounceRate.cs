namespace Shoal.TrackerServer.Operations;

/// <summary>Announces per second over the last ~10 s, from one sample of the counter per second.</summary>
public sealed class AnnounceRate
{
    private const int Window = 11;
    private readonly long[] _counts = new long[Window];
    private readonly long[] _timestamps = new long[Window];
    private readonly TimeProvider _time;
    private int _next;
    private int _filled;
    private readonly Lock _lock = new();

    public AnnounceRate(TimeProvider time) => _time = time;

    public void Sample(long totalAnnounces)
    {
        lock (_lock)
        {
            _counts[_next] = totalAnnounces;
            _timestamps[_next] = _time.GetTimestamp();
            _next = (_next + 1) % Window;
            _filled = Math.Min(_filled + 1, Window);
        }
    }

    public double PerSecond
    {
        get
        {
            lock (_lock)
            {
                if (_filled < 2) return 0;
                int newest = (_next - 1 + Window) % Window;
                int oldest = _filled < Window ? 0 : _next;
                double seconds = _time.GetElapsedTime(_timestamps[oldest], _timestamps[newest]).TotalSeconds;
                return seconds <= 0 ? 0 : (_counts[newest] - _counts[oldest]) / seconds;
            }
        }
    }
}
