namespace Shoal.Transport.Utp;

/// <summary>
/// The base delay of LEDBAT: the lowest one-way delay sample (a timestamp difference, meaningful only relative to
/// others, since the two clocks are not synchronised) over the last <see cref="Minutes"/> minutes, kept as one minimum
/// per minute as libtorrent's timestamp_history does. A sample minus the base is the queueing delay.
/// The history steps only after enough samples, so an idle minute does not forget the base.
/// </summary>
internal sealed class DelayHistory
{
    public const int Minutes = 20;
    private const int SamplesBeforeStep = 120;

    private readonly uint[] _history = new uint[Minutes];
    private int _index;
    private int _samplesThisMinute = -1; // -1: no sample yet

    public bool Initialized => _samplesThisMinute >= 0;

    public uint Base { get; private set; }

    /// <summary>Adds a sample and returns sample - base. <paramref name="step"/> says a minute has passed since the last step.</summary>
    public uint AddSample(uint sample, bool step)
    {
        if (!Initialized)
        {
            Array.Fill(_history, sample);
            Base = sample;
            _samplesThisMinute = 0;
        }
        if (_samplesThisMinute < int.MaxValue) _samplesThisMinute++;
        if (LessWrapping(sample, Base))
        {
            Base = sample;
            _history[_index] = sample;
        }
        else if (LessWrapping(sample, _history[_index]))
        {
            _history[_index] = sample;
        }
        uint delay = sample - Base;

        if (step && _samplesThisMinute > SamplesBeforeStep)
        {
            _samplesThisMinute = 0;
            _index = (_index + 1) % Minutes;
            _history[_index] = sample;
            Base = sample;
            foreach (var h in _history) if (LessWrapping(h, Base)) Base = h;
        }
        return delay;
    }

    /// <summary>Raises the base (and every minute at or below it) by <paramref name="change"/> microseconds: clock drift compensation.</summary>
    public void AdjustBase(uint change)
    {
        Base += change;
        for (int i = 0; i < _history.Length; i++) if (LessWrapping(_history[i], Base)) _history[i] = Base;
    }

    // Timestamps wrap every 2^32 microseconds: compare as a signed difference.
    private static bool LessWrapping(uint a, uint b) => a != b && b - a < 0x8000_0000u;
}
