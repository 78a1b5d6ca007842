namespace Shoal.Transport.Mse;

/// <summary>
/// One timeout per handshake step: <see cref="Begin"/> restarts the clock and names the step, and a step that runs out
/// of time becomes an <see cref="MseHandshakeException"/> saying what the peer failed to send. One timer and one token
/// source serve the whole handshake.
/// </summary>
internal sealed class MseStepDeadline : IDisposable
{
    private readonly CancellationToken _outer;
    private readonly CancellationTokenSource _source;
    private readonly ITimer _timer;
    private readonly TimeSpan _timeout;
    private string _step = "the handshake";

    public MseStepDeadline(MseOptions options, CancellationToken outer)
    {
        _outer = outer;
        _timeout = options.StepTimeout;
        _source = CancellationTokenSource.CreateLinkedTokenSource(outer);
        _timer = options.TimeProvider.CreateTimer(static s => ((CancellationTokenSource)s!).Cancel(), _source, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Starts the clock for <paramref name="step"/>; the token is cancelled when it runs out (or the caller cancels).</summary>
    public CancellationToken Begin(string step)
    {
        _step = step;
        _timer.Change(_timeout, Timeout.InfiniteTimeSpan);
        return _source.Token;
    }

    /// <summary>Turns a cancellation caused by the step timeout into a handshake failure; the caller's own cancellation stays one.</summary>
    public Exception? Translate(Exception error) =>
        error is OperationCanceledException && _source.IsCancellationRequested && !_outer.IsCancellationRequested
            ? new MseHandshakeException($"timed out after {_timeout.TotalSeconds:0.#} s waiting for {_step}", error)
            : null;

    public void Dispose()
    {
        _timer.Dispose();
        _source.Dispose();
    }
}
