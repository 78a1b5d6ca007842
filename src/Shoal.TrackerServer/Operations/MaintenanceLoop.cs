using Microsoft.Extensions.Logging;
using Shoal.TrackerServer.Catalogue;
using Shoal.TrackerServer.Registry;

namespace Shoal.TrackerServer.Operations;

/// <summary>
/// Once a second: samples the announce counter (for announces/s), sweeps expired peers when the sweep interval is due,
/// and reloads the allow-list file when it changed on disk. Once a minute notes which catalogue entries have seeders and,
/// while there is traffic, logs a summary.
/// </summary>
internal sealed class MaintenanceLoop : IAsyncDisposable
{
    private static readonly TimeSpan SummaryEvery = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan CatalogueEvery = TimeSpan.FromMinutes(1);

    private readonly TrackerCore _core;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private DateTime _allowListWritten;

    public MaintenanceLoop(TrackerCore core, ILogger logger)
    {
        _core = core;
        _logger = logger;
        if (core.Options.AllowListPath is { } path) _allowListWritten = File.GetLastWriteTimeUtc(path);
        _loop = Task.Run(RunAsync);
    }

    private async Task RunAsync()
    {
        var time = _core.Time;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        long lastSweep = time.GetTimestamp();
        long lastSummary = lastSweep;
        long lastCatalogue = lastSweep;
        long announcesAtSummary = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                _core.Rate.Sample(_core.Counters.Announces);
                if (time.GetElapsedTime(lastSweep) >= _core.Options.EffectiveSweepInterval)
                {
                    lastSweep = time.GetTimestamp();
                    int expired = _core.Registry.Sweep();
                    if (expired > 0) _logger.LogDebug("expired {Peers} peers", expired);
                }
                ReloadAllowListIfChanged();
                if (_core.Catalogue is { } catalogue && time.GetElapsedTime(lastCatalogue) >= CatalogueEvery)
                {
                    lastCatalogue = time.GetTimestamp();
                    await RecordSeedersAsync(catalogue).ConfigureAwait(false);
                }
                if (time.GetElapsedTime(lastSummary) >= SummaryEvery && _core.Counters.Announces != announcesAtSummary)
                {
                    lastSummary = time.GetTimestamp();
                    announcesAtSummary = _core.Counters.Announces;
                    var totals = _core.Registry.Totals();
                    _logger.LogInformation("{Torrents} torrents, {Seeders} seeders, {Leechers} leechers, {Rate:F1} announces/s",
                        totals.Torrents, totals.Seeders, totals.Leechers, _core.Rate.PerSecond);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "maintenance loop failed");
        }
    }

    private async Task RecordSeedersAsync(CatalogueService catalogue)
    {
        try
        {
            await catalogue.RecordSeedersAsync(_stop.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The times stay in memory and are written with the next change.
            _logger.LogWarning("catalogue: saving last-seeded times failed: {Error}", ex.Message);
        }
    }

    private void ReloadAllowListIfChanged()
    {
        if (_core.Options.AllowListPath is not { } path) return;
        try
        {
            var written = File.GetLastWriteTimeUtc(path);
            if (written == _allowListWritten) return;
            _allowListWritten = written;
            _core.Registry.Allow = AllowList.Load(path);
            _logger.LogInformation("allow-list reloaded: {Count} torrents", _core.Registry.Allow.Count);
        }
        catch (Exception ex) when (ex is IOException or FormatException or UnauthorizedAccessException)
        {
            _logger.LogWarning("allow-list {Path} not reloaded, keeping the previous one: {Error}", path, ex.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
