namespace Shoal.Transport.Utp;

/// <summary>
/// LEDBAT congestion control as BEP 29 and libtorrent's utp_stream run it: the congestion window grows while the
/// measured queueing delay is under the target (100 ms) and shrinks in proportion as it goes over, so uTP fills an
/// idle link but steps aside as soon as its own or anyone else's traffic builds a queue. Slow start (doubling per RTT)
/// runs until the delay first reaches the target or a loss; a loss halves the window (at most every 100 ms); a
/// timeout drops it to one packet. The window never falls below one packet (RFC 6817) and only grows while the
/// sender actually fills it.
/// </summary>
internal sealed class LedbatController
{
    /// <summary>MAX_CWND_INCREASE_BYTES_PER_RTT: libtorrent's utp_gain_factor.</summary>
    public const int GainBytesPerRtt = 3000;
    private const int LossReductionIntervalMs = 100;
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

    /// <summary>Bytes that may be in flight.</summary>
    public int Window => (int)(_window >> Shift);

    public bool SlowStart { get; private set; } = true;

    /// <summary>The slow-start threshold in bytes (0 until the first congestion signal).</summary>
    public int SlowStartThreshold { get; private set; }

    /// <summary>
    /// An ACK arrived: <paramref name="ackedBytes"/> of payload were newly acknowledged, out of
    /// <paramref name="inFlightBefore"/> in flight before it, <paramref name="inFlightAfter"/> still are, and the
    /// queueing delay now measured is <paramref name="delayMicros"/>. <paramref name="windowLimited"/>: since the last
    /// ACK the sender had more to send than the window let out.
    /// </summary>
    public void OnAck(int ackedBytes, long delayMicros, int inFlightBefore, int inFlightAfter, bool windowLimited = false)
    {
        if (ackedBytes <= 0 || inFlightBefore <= 0) return;
        if (delayMicros >= _targetDelayMicros && SlowStart)
        {
            SlowStartThreshold = Window / 2;
            SlowStart = false;
        }

        // Both factors are fixed point with a 16-bit fraction, as in libtorrent.
        long windowFactor = ((long)ackedBytes << Shift) / inFlightBefore;
        long delayFactor = ((_targetDelayMicros - delayMicros) << Shift) / _targetDelayMicros;
        long linearGain = (windowFactor * delayFactor >> Shift) * GainBytesPerRtt;

        // Only a sender that fills the window may grow it (RFC 6817's flight-size rule); a delay over the target shrinks
        // it whatever the sender does, so uTP yields even while the peer's receive window is what limits it.
        // (One ACK may cover a whole window, leaving nothing in flight: whether the window was full when sending counts too.)
        bool saturated = windowLimited || inFlightAfter + ackedBytes + _packetSize > Window;
        long gain = 0;
        if (linearGain < 0)
        {
            gain = linearGain;
        }
        else if (saturated)
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
        _window = Math.Clamp(_window + gain, (long)_packetSize << Shift, _maxWindow);
    }

    /// <summary>A packet was lost: halve the window, at most once per 100 ms. True if it was cut.</summary>
    public bool OnLoss(long nowMicros)
    {
        if (nowMicros < _nextLossCut) return false;
        _nextLossCut = nowMicros + LossReductionIntervalMs * 1000L;
        _window = Math.Max(_window / 2, (long)_packetSize << Shift);
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
        if (idle) _window = Math.Max(_window * 2 / 3, (long)_packetSize << Shift);
        else _window = (long)_packetSize << Shift;
        SlowStart = true;
    }
}
