namespace Shoal.Tests.Support.Dht;

/// <summary>
/// A discrete-event clock: time moves only when <see cref="RunUntil"/> runs the next due event, and every timer and
/// scheduled action fires at exactly its time, in order (ties in the order they were scheduled). Unlike
/// FakeTimeProvider it stays O(log n) per event with hundreds of thousands of timers, which a 100,000-node DHT needs.
/// Meant for one thread driving the simulation; a lock keeps it consistent if something else touches it.
/// </summary>
public sealed class SimulatedTime : TimeProvider
{
    private static readonly DateTimeOffset Origin = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly object _gate = new();
    private readonly PriorityQueue<Event, (long Due, long Sequence)> _events = new();
    private long _now;
    private long _sequence;

    /// <summary>Simulated time since the start.</summary>
    public TimeSpan Elapsed => TimeSpan.FromTicks(Interlocked.Read(ref _now));

    public long EventsRun { get; private set; }

    public int Pending
    {
        get { lock (_gate) return _events.Count; }
    }

    public override DateTimeOffset GetUtcNow() => Origin + Elapsed;

    public override long GetTimestamp() => Interlocked.Read(ref _now);

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new SimulatedTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Runs <paramref name="action"/> once, <paramref name="delay"/> from now (cheaper than a timer).</summary>
    public void Schedule(TimeSpan delay, Action<object?> action, object? state)
    {
        lock (_gate) Enqueue(new Event(action, state, null, 0), _now + Math.Max(0, delay.Ticks));
    }

    /// <summary>Runs every event due up to <paramref name="elapsed"/> (simulated time since the start), then sets the clock there.</summary>
    public void RunUntil(TimeSpan elapsed)
    {
        while (RunNext(elapsed.Ticks)) { }
        lock (_gate) if (_now < elapsed.Ticks) Interlocked.Exchange(ref _now, elapsed.Ticks);
    }

    public void Advance(TimeSpan by) => RunUntil(Elapsed + by);

    /// <summary>Runs events until <paramref name="done"/> holds or <paramref name="limit"/> of simulated time passed; true if done.</summary>
    public bool RunWhile(Func<bool> notDone, TimeSpan limit)
    {
        long end = (Elapsed + limit).Ticks;
        while (notDone())
            if (!RunNext(end)) return !notDone();
        return true;
    }

    private bool RunNext(long until)
    {
        Event next;
        lock (_gate)
        {
            if (!_events.TryPeek(out next, out var key) || key.Due > until) return false;
            _events.Dequeue();
            Interlocked.Exchange(ref _now, Math.Max(_now, key.Due));
        }
        EventsRun++;
        if (next.Timer is { } timer) timer.Fire(next.Version);
        else next.Action!(next.State);
        return true;
    }

    private void Enqueue(Event e, long due) => _events.Enqueue(e, (due, _sequence++));

    private readonly record struct Event(Action<object?>? Action, object? State, SimulatedTimer? Timer, long Version);

    private sealed class SimulatedTimer(SimulatedTime clock, TimerCallback callback, object? state) : ITimer
    {
        private long _version;
        private long _period = -1;
        private bool _disposed;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (clock._gate)
            {
                if (_disposed) return false;
                long version = ++_version; // earlier schedules of this timer become stale
                _period = period == Timeout.InfiniteTimeSpan ? -1 : period.Ticks;
                if (dueTime != Timeout.InfiniteTimeSpan) clock.Enqueue(new Event(null, null, this, version), clock._now + Math.Max(0, dueTime.Ticks));
                return true;
            }
        }

        public void Fire(long version)
        {
            lock (clock._gate)
            {
                if (_disposed || version != _version) return;
                if (_period > 0) clock.Enqueue(new Event(null, null, this, version), clock._now + _period);
            }
            callback(state);
        }

        public void Dispose()
        {
            lock (clock._gate) _disposed = true;
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
