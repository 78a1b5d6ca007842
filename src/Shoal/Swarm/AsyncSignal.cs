using System.Threading.Tasks.Sources;

namespace Shoal.Swarm;

/// <summary>
/// An auto-reset wake-up for one waiting loop, without an allocation per wait: <see cref="Set"/> from any thread wakes
/// the waiter (or the next wait returns at once); <see cref="Close"/> wakes it for good.
/// </summary>
internal sealed class AsyncSignal : IValueTaskSource
{
    private readonly Lock _sync = new();
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private bool _set, _waiting, _closed;

    public bool IsClosed
    {
        get { lock (_sync) return _closed; }
    }

    public void Set()
    {
        lock (_sync)
        {
            if (!_waiting)
            {
                _set = true;
                return;
            }
            _waiting = false;
        }
        _core.SetResult(true);
    }

    public void Close()
    {
        lock (_sync)
        {
            _closed = true;
            if (!_waiting) return;
            _waiting = false;
        }
        _core.SetResult(true);
    }

    /// <summary>Completes when set (or closed); a set that came before the wait counts. One waiter at a time.</summary>
    public ValueTask WaitAsync()
    {
        lock (_sync)
        {
            if (_set || _closed)
            {
                _set = false;
                return ValueTask.CompletedTask;
            }
            _core.Reset();
            _waiting = true;
            return new ValueTask(this, _core.Version);
        }
    }

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
