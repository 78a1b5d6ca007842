namespace Shoal.Daemon.Session;

/// <summary>
/// One piece of the session's background work (a start, stop, check, removal). A start may spend an unbounded time
/// waiting for peers (a magnet's metadata, a v2 torrent's piece layers): while it does it is <see cref="WaitingForPeers"/>,
/// and <see cref="DaemonSession.WhenIdleAsync"/> does not wait for it, since nothing local is left to finish.
/// </summary>
internal sealed class BackgroundWork
{
    private readonly Lock _sync = new();
    // Completes when the work starts waiting for peers; replaced by a fresh one when the wait ends.
    private TaskCompletionSource _parked = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Task { get; set; } = Task.CompletedTask;

    public bool WaitingForPeers { get; private set; }

    /// <summary>Completes when the work has finished or is only waiting for peers.</summary>
    public Task Settled
    {
        get
        {
            lock (_sync) return WaitingForPeers ? Task.CompletedTask : Task.WhenAny(Task, _parked.Task);
        }
    }

    /// <summary>Awaits <paramref name="wait"/> (which lasts as long as peers take) as waiting for peers.</summary>
    public async Task<T> WaitForPeersAsync<T>(Task<T> wait)
    {
        lock (_sync)
        {
            WaitingForPeers = true;
            _parked.TrySetResult();
        }
        try
        {
            return await wait.ConfigureAwait(false);
        }
        finally
        {
            lock (_sync)
            {
                WaitingForPeers = false;
                _parked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }
}
