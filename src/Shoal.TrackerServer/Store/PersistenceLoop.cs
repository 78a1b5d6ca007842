using Microsoft.Extensions.Logging;
using Shoal.TrackerServer.Registry;

namespace Shoal.TrackerServer.Store;

/// <summary>
/// Writes changed swarms to the store in batches every flush interval, on its own task: announces only flip a dirty flag.
/// A swarm that changes many times between flushes is written once.
/// </summary>
internal sealed class PersistenceLoop : IAsyncDisposable
{
    private const int BatchSize = 2000;

    private readonly SwarmRegistry _registry;
    private readonly ISwarmStore _store;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;

    public PersistenceLoop(SwarmRegistry registry, ISwarmStore store, TimeSpan interval, TimeProvider time, ILogger logger)
    {
        _registry = registry;
        _store = store;
        _interval = interval;
        _time = time;
        _logger = logger;
        _registry.TrackChanges = true;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Puts every saved swarm back into the registry.</summary>
    public static async Task<int> RestoreAsync(SwarmRegistry registry, ISwarmStore store, CancellationToken cancellationToken)
    {
        var swarms = await store.LoadAsync(registry.Limits, cancellationToken).ConfigureAwait(false);
        foreach (var swarm in swarms) registry.Restore(swarm);
        return swarms.Count;
    }

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(_interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
                await FlushAsync(_stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>Writes everything changed so far.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var batch = new List<SwarmSnapshot>(BatchSize);
        while (true)
        {
            batch.Clear();
            while (batch.Count < BatchSize && _registry.TryTakeChanged(out var snapshot)) batch.Add(snapshot);
            if (batch.Count == 0) return;
            try
            {
                await _store.SaveAsync(batch, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The swarms are written again the next time they change; the tracker keeps serving meanwhile.
                _logger.LogError(ex, "saving {Count} swarms failed", batch.Count);
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        await FlushAsync(CancellationToken.None).ConfigureAwait(false);
        _stop.Dispose();
    }
}
