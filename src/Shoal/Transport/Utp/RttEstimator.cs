namespace Shoal.Transport.Utp;

/// <summary>
/// Round-trip time and its variation from acknowledged packets, and the retransmission timeout they give (BEP 29):
/// delta = rtt - sample; rtt_var += (|delta| - rtt_var) / 4; rtt += (sample - rtt) / 8;
/// timeout = max(rtt + 4 * rtt_var, 500 ms), doubled for every consecutive timeout, at most 60 s.
/// Only packets sent once are sampled (a resent packet's ACK may be for either copy).
/// </summary>
internal sealed class RttEstimator
{
    public const int MinTimeoutMs = 500;
    public const int InitialTimeoutMs = 1000;
    public const int MaxTimeoutMs = 60_000;

    private bool _hasSample;

    /// <summary>Smoothed round-trip time in microseconds (0 before the first sample).</summary>
    public long RttMicros { get; private set; }

    public long VarianceMicros { get; private set; }

    public void AddSample(long sampleMicros)
    {
        if (sampleMicros < 0) return;
        if (!_hasSample)
        {
            RttMicros = sampleMicros;
            VarianceMicros = sampleMicros / 2;
            _hasSample = true;
            return;
        }
        long delta = RttMicros - sampleMicros;
        VarianceMicros += (Math.Abs(delta) - VarianceMicros) / 4;
        RttMicros += (sampleMicros - RttMicros) / 8;
    }

    /// <summary>The timeout in milliseconds after <paramref name="consecutiveTimeouts"/> timeouts in a row.</summary>
    public int TimeoutMs(int consecutiveTimeouts)
    {
        long timeout = _hasSample ? Math.Max((RttMicros + 4 * VarianceMicros) / 1000, MinTimeoutMs) : InitialTimeoutMs;
        for (int i = 0; i < consecutiveTimeouts && timeout < MaxTimeoutMs; i++) timeout *= 2;
        return (int)Math.Min(timeout, MaxTimeoutMs);
    }
}
