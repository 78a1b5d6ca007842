namespace Shoal.Swarm;

/// <summary>
/// The engine's one heartbeat for all its torrents: a single timer, once a second, that ticks every running torrent in
/// turn. A timer per torrent cost a thread-pool wake-up per torrent per second, which dominated an idle daemon with
/// thousands of torrents; one timer costs one wake-up, and a torrent with nothing to do returns at once from its tick.
/// </summary>
internal sealed class SessionClock(TimeProvider time) : IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly Lock _sync = new();
    private TorrentSession[] _sessions = [];
    private ITimer? _timer;
    private int _ticking;
    private bool _disposed;

    /// <summary>Ticks <paramref name="session"/> from now on (the timer starts with the first torrent).</summary>
    public void Add(TorrentSession session)
    {
        lock (_sync)
        {
            if (_disposed) return;
            _sessions = [.. _sessions, session];
            _timer ??= time.CreateTimer(static s => ((SessionClock)s!).Tick(), this, Interval, Interval);
        }
    }

    public void Remove(TorrentSession session)
    {
        lock (_sync) _sessions = Array.FindAll(_sessions, s => s != session);
    }

    private void Tick()
    {
        // A slow round (thousands of busy torrents on a loaded machine) is not overlapped by the next one.
        if (Interlocked.Exchange(ref _ticking, 1) == 1) return;
        try
        {
            foreach (var session in Volatile.Read(ref _sessions)) session.Tick();
        }
        finally
        {
            Volatile.Write(ref _ticking, 0);
        }
    }

    public async ValueTask DisposeAsync()
    {
        ITimer? timer;
        lock (_sync)
        {
            _disposed = true;
            timer = _timer;
            _sessions = [];
        }
        if (timer is not null) await timer.DisposeAsync().ConfigureAwait(false);
    }
}
