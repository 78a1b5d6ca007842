namespace Shoal.Transport.Utp;

/// <summary>
/// Time for uTP from an injected <see cref="TimeProvider"/>: timestamps for the timers, and the 32-bit microsecond
/// counter that goes in every header (it wraps every 71 minutes; only differences matter).
/// </summary>
internal sealed class UtpClock(TimeProvider time)
{
    private readonly long _frequency = time.TimestampFrequency;

    public TimeProvider Provider => time;

    public long Now => time.GetTimestamp();

    /// <summary>Microseconds since an arbitrary origin, for comparing with other values of this clock.</summary>
    public long MicrosOf(long timestamp) =>
        timestamp / _frequency * 1_000_000 + timestamp % _frequency * 1_000_000 / _frequency;

    /// <summary>The header's timestamp_microseconds for a packet sent at <paramref name="timestamp"/>.</summary>
    public uint HeaderMicros(long timestamp) => unchecked((uint)MicrosOf(timestamp));

    public long After(long timestamp, TimeSpan delay) => timestamp + (long)(delay.Ticks * (double)_frequency / TimeSpan.TicksPerSecond);

    public long After(long timestamp, int milliseconds) => timestamp + milliseconds * _frequency / 1000;

    /// <summary>Whole microseconds from <paramref name="start"/> to <paramref name="end"/>.</summary>
    public long MicrosBetween(long start, long end) => MicrosOf(end - start);
}
