using System.Threading.Tasks.Sources;

namespace Shoal.Transport.Utp;

/// <summary>
/// A reusable wake-up for one waiter at a time (a stream's reader, its writer, a connect): no allocation per wait.
/// The owner arms it under its lock when it finds nothing to do, then awaits <see cref="WaitAsync"/> outside the lock;
/// whoever changes the state sets it (outside the lock). A set without an armed waiter is a no-op, which is safe
/// because the waiter re-checks the state under the lock before arming again.
/// </summary>
internal sealed class AsyncSignal : IValueTaskSource
{
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private int _armed;
    private short _registeredVersion;
    private CancellationTokenRegistration _registration;

    /// <summary>Prepares a wait (call under the owner's lock, after finding nothing to do).</summary>
    public void Arm()
    {
        _core.Reset();
        Volatile.Write(ref _armed, 1);
    }

    /// <summary>Waits for <see cref="Set"/> after <see cref="Arm"/>; a cancelled token ends the wait with <see cref="OperationCanceledException"/>.</summary>
    public ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        short version = _core.Version;
        if (cancellationToken.CanBeCanceled)
        {
            _registeredVersion = version;
            _registration = cancellationToken.UnsafeRegister(static (state, token) => ((AsyncSignal)state!).Cancel(token), this);
        }
        return new ValueTask(this, version);
    }

    /// <summary>Wakes the waiter, if one is armed.</summary>
    public void Set()
    {
        if (Interlocked.Exchange(ref _armed, 0) != 1) return;
        _registration.Dispose();
        _core.SetResult(true);
    }

    private void Cancel(CancellationToken token)
    {
        if (_core.Version != _registeredVersion || Interlocked.Exchange(ref _armed, 0) != 1) return;
        _core.SetException(new OperationCanceledException(token));
    }

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
