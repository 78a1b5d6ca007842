namespace Shoal.Transport.Utp;

/// <summary>
/// LEDBAT congestion control (BEP 29, RFC 6817) with the refinements of LEDBAT++ (draft-irtf-iccrg-ledbat-plus-plus)
/// that make it yield to TCP where plain LEDBAT does not:
/// <list type="bullet">
/// <item>Under the target delay (100 ms) the window grows by at most one packet per round trip, scaled by how far under
/// the target the queueing delay is (RFC 6817: never faster than TCP) and divided by
/// min(16, ceil(2 × target / base RTT)): on a short path a competing TCP flow cannot build a queue anywhere near the
/// target (its own losses keep it small), so LEDBAT's only way to leave it room is to grow more slowly than it.</item>
/// <item>Over the target it shrinks multiplicatively, by the fraction the delay exceeds the target per round trip
/// (at most half): a queue someone else builds pushes it aside within a few round trips.</item>
/// <item>A loss halves the window at most once per round trip; a timeout drops it to one packet.</item>
/// </list>
/// Slow start (doubling per round trip) runs until the delay first reaches the target or a loss. The window never
/// falls below two packets (after a timeout: one) and only grows while the sender actually fills it.
/// </summary>
internal sealed class LedbatController
{
    /// <summary>The divisor of the growth rate on the shortest paths (LEDBAT++).</summary>
    public const int MaxGainDivisor = 16;
    /// <summary>RFC 6817's MIN_CWND, in packets: with one packet in flight, its loss (or its ACK's) stalls the connection
    /// for a whole retransmission timeout, since nothing sent after it can reveal the gap.</summary>
    public const int MinWindowPackets = 2;
    private const int Shift = 16; // the window keeps a 16-bit fraction so that small per-ACK gains add up

    private readonly int _packetSize;
    private readonly long _targetDelayMicros;
    private readonly long _maxWindow;
    private long _window;
    private long _nextLossCut;

    public LedbatController(int packetSize, TimeSpan targetDelay, int maxWindowBytes)
    {
        _packetSize = packetSize;
        _targetDelayMicros = Math.Max(1, (long)targetDelay.TotalMicroseconds);
        _maxWindow = (long)maxWindowBytes << Shift;
        _window = (long)(2 * packetSize) << Shift; // RFC 6817's initial window
    }

    private long MinWindow => (long)(MinWindowPackets * _packetSize) << Shift;

    /// <summary>Bytes that may be in flight.</summary>
    public int Window => (int)(_window >> Shift);

    public bool SlowStart { get; private set; } = true;

    /// <summary>The slow-start threshold in bytes (0 until the first congestion signal).</summary>
    public int SlowStartThreshold { get; private set; }

    /// <summary>
    /// The most the window grows in a round trip with no queueing delay: one packet divided by
    /// min(16, ceil(2 × target / base RTT)); one packet while the base RTT is unknown (0).
    /// </summary>
    public int GainBytesPerRtt(long baseRttMicros)
    {
        long divisor = baseRttMicros <= 0 ? 1 : Math.Min(MaxGainDivisor, (2 * _targetDelayMicros + baseRttMicros - 1) / baseRttMicros);
        return (int)(_packetSize / Math.Max(1, divisor));
    }

    /// <summary>
    /// An ACK arrived: <paramref name="ackedBytes"/> of payload were newly acknowledged, out of
    /// <paramref name="inFlightBefore"/> in flight before it, <paramref name="inFlightAfter"/> still are, and the
    /// queueing delay now measured is <paramref name="delayMicros"/>. <paramref name="windowLimited"/>: since the last
    /// ACK the sender had more to send than the window let out. <paramref name="baseRttMicros"/>: the lowest round
    /// trip seen lately (0: unknown).
    /// </summary>
    public void OnAck(int ackedBytes, long delayMicros, int inFlightBefore, int inFlightAfter, bool windowLimited = false, long baseRttMicros = 0)
    {
        if (ackedBytes <= 0 || inFlightBefore <= 0) return;
        if (delayMicros >= _targetDelayMicros && SlowStart)
        {
            SlowStartThreshold = Window / 2;
            SlowStart = false;
        }

        // The share of a round trip this ACK stands for, as a 16-bit fraction (as in libtorrent).
        long windowFactor = Math.Min(1L << Shift, ((long)ackedBytes << Shift) / inFlightBefore);
        long gain;
        if (delayMicros > _targetDelayMicros)
        {
            // Multiplicative decrease: (delay / target - 1) of the window per round trip, at most half of it.
            long excess = Math.Min(1L << (Shift - 1), ((delayMicros - _targetDelayMicros) << Shift) / _targetDelayMicros);
            gain = -((_window >> Shift) * excess >> Shift) * windowFactor;
        }
        else
        {
            long delayFactor = ((_targetDelayMicros - delayMicros) << Shift) / _targetDelayMicros;
            long linearGain = (windowFactor * delayFactor >> Shift) * GainBytesPerRtt(baseRttMicros);
            // Only a sender that fills the window may grow it (RFC 6817's flight-size rule). (One ACK may cover a
            // whole window, leaving nothing in flight: whether the window was full when sending counts too.)
            bool saturated = windowLimited || inFlightAfter + ackedBytes + _packetSize > Window;
            gain = 0;
            if (saturated)
            {
                long exponentialGain = (long)ackedBytes << Shift;
                if (!SlowStart) gain = linearGain;
                else if (SlowStartThreshold != 0 && (_window + exponentialGain) >> Shift > SlowStartThreshold)
                {
                    SlowStart = false;
                    gain = linearGain;
                }
                else gain = Math.Max(exponentialGain, linearGain);
            }
        }
        _window = Math.Clamp(_window + gain, MinWindow, _maxWindow);
    }

    /// <summary>
    /// A packet was lost: halve the window, at most once per round trip (<paramref name="rttMicros"/>; the caller
    /// also ignores losses of packets sent before the last cut). True if it was cut.
    /// </summary>
    public bool OnLoss(long nowMicros, long rttMicros = 0)
    {
        if (nowMicros < _nextLossCut) return false;
        _nextLossCut = nowMicros + Math.Max(rttMicros, 0);
        _window = Math.Max(_window / 2, MinWindow);
        if (SlowStart)
        {
            SlowStartThreshold = Window;
            SlowStart = false;
        }
        return true;
    }

    /// <summary>
    /// The retransmission timer fired. With nothing in flight the direction was merely idle: decay the window by a
    /// third. Otherwise packets were lost wholesale: one packet, and slow start again up to the threshold.
    /// </summary>
    public void OnTimeout(bool idle)
    {
        if (idle) _window = Math.Max(_window * 2 / 3, MinWindow);
        else _window = (long)_packetSize << Shift;
        SlowStart = true;
    }
}
