using Microsoft.Extensions.Logging;
using Shoal.Daemon.Engine;
using Shoal.Daemon.Store;
using Shoal.Daemon.Torrents;

namespace Shoal.Daemon.Session;

public sealed partial class DaemonSession
{
    /// <summary>A torrent's seconds counters are written at least this often even when nothing else changed.</summary>
    private static readonly TimeSpan SecondsFlushInterval = TimeSpan.FromMinutes(1);

    private readonly DateTimeOffset _started;
    private readonly Dictionary<int, (StoredCounters Counters, int Pieces, DateTimeOffset When)> _flushed = [];
    private ITimer? _clock;
    private int _ticking;
    private DateTimeOffset _lastTick, _lastFlush;
    private bool? _altScheduleWasActive;

    private void StartClock()
    {
        _lastTick = _lastFlush = Time.GetUtcNow();
        _clock = Time.CreateTimer(static s => ((DaemonSession)s!).Tick(), this, TimeSpan.Zero, TimeSpan.FromSeconds(1));
    }

    private async Task StopClockAsync()
    {
        if (_clock is not null) await _clock.DisposeAsync().ConfigureAwait(false);
        SpinWait.SpinUntil(() => Volatile.Read(ref _ticking) == 0, TimeSpan.FromSeconds(5));
    }

    /// <summary>Once a second: read the engine's numbers, date activity, apply seeding limits and the schedule, start queued torrents, flush counters.</summary>
    private void Tick()
    {
        if (Interlocked.Exchange(ref _ticking, 1) != 0) return;
        try
        {
            var now = Time.GetUtcNow();
            long elapsed = Math.Max(0, (long)(now - _lastTick).TotalSeconds);
            if (elapsed > 0) _lastTick += TimeSpan.FromSeconds(elapsed);
            var settings = Settings;
            var finished = new List<DaemonTorrent>();
            foreach (var t in Running())
            {
                var progress = t.Engine!.Progress();
                lock (_sync)
                {
                    if (t.Engine is null) continue; // stopped meanwhile
                    var previous = t.LastProgress;
                    CountTransfer(t, progress);
                    t.LastProgress = progress;
                    if (previous is null || progress.Uploaded != previous.Uploaded || progress.Downloaded != previous.Downloaded)
                    {
                        t.ActivityDate = now;
                        t.LastTransfer = now;
                        t.Touch(now);
                    }
                    if (progress.IsComplete) t.SecondsSeeding += elapsed;
                    else t.SecondsDownloading += elapsed;
                    if (progress.IsComplete && t.DoneDate is null)
                    {
                        t.DoneDate = now;
                        t.Touch(now);
                    }
                    if (progress.Error is not null && t.LocalError is null)
                    {
                        t.LocalError = progress.Error;
                        t.Touch(now);
                        finished.Add(t);
                    }
                    else if (progress.IsComplete && SeedLimitReached(t, settings, now))
                    {
                        t.IsFinished = true;
                        finished.Add(t);
                    }
                }
            }
            foreach (var t in finished)
            {
                _log.LogInformation(t.IsFinished ? "{Name} reached its seeding limit; stopping" : "{Name} failed: {Error}", t.Name, t.LocalError);
                RunInBackground(() => StopEngineAsync(t, keepWanting: false), $"stopping {t.Name}");
            }
            FollowAltSchedule(settings);
            PlanQueue();
            if (now - _lastFlush >= _options.CounterFlushInterval)
            {
                _lastFlush = now;
                FlushCounters(everything: false);
            }
        }
        catch (Exception ex)
        {
            _log.LogError(ex, "session tick failed");
        }
        finally
        {
            Volatile.Write(ref _ticking, 0);
        }
    }

    private List<DaemonTorrent> Running()
    {
        lock (_sync) return [.. _byId.Values.Select(h => h.Torrent).Where(t => t.Engine is not null && t.Phase == TorrentPhase.Running)];
    }

    /// <summary>
    /// Starts queued torrents, by queue position, while slots are free: at most download-queue-size downloading (stalled ones
    /// do not count when queue-stalled is on) and seed-queue-size seeding. "Start now" torrents skip the queue, and so does
    /// the first check of a new torrent's data.
    /// </summary>
    private void PlanQueue()
    {
        var toStart = new List<DaemonTorrent>();
        lock (_sync)
        {
            if (_disposed) return;
            var settings = _settings;
            var now = Time.GetUtcNow();
            int downloads = 0, seeds = 0;
            // One pass without allocations over every torrent (this runs every second and after every change); only the
            // queued ones, usually few, are sorted.
            List<DaemonTorrent>? queued = null;
            foreach (var hosted in _byId.Values)
            {
                var t = hosted.Torrent;
                if (t.Phase == TorrentPhase.Queued) (queued ??= []).Add(t);
                if (t.Phase is TorrentPhase.Stopped or TorrentPhase.Queued or TorrentPhase.Stopping) continue;
                if (t.IsComplete) seeds++;
                else if (!IsStalled(t, settings, now)) downloads++;
            }
            if (queued is null) return;
            queued.Sort(static (a, b) => a.QueuePosition.CompareTo(b.QueuePosition));
            foreach (var t in queued)
            {
                bool start;
                // Never checked (just added): its data is checked first, whatever the queue, to learn whether it is a seed.
                if (t.BypassQueue || t.Metainfo is not null && t.Have is null) start = true;
                else if (t.IsComplete) start = !settings.SeedQueueEnabled || seeds++ < settings.SeedQueueSize;
                else start = !settings.DownloadQueueEnabled || downloads++ < settings.DownloadQueueSize;
                if (!start) continue;
                t.Phase = t.Metainfo is null ? TorrentPhase.FetchingMetadata : TorrentPhase.CheckWait;
                t.Touch(now);
                toStart.Add(t);
            }
        }
        foreach (var t in toStart) RunInBackground(work => StartEngineAsync(t, work), $"starting {t.Name}");
    }

    /// <summary>
    /// Plans the queue soon, in the background: a burst of adds (a remote adding hundreds) shares one plan instead of
    /// walking every torrent once per add on the request's path. Tracked, so <see cref="WhenIdleAsync"/> waits for it.
    /// </summary>
    private void RequestPlan()
    {
        if (Interlocked.Exchange(ref _planRequested, 1) != 0) return;
        RunInBackground(() =>
        {
            Volatile.Write(ref _planRequested, 0); // a request from here on gets a plan of its own
            PlanQueue();
            return Task.CompletedTask;
        }, "planning the queue");
    }

    private int _planRequested;

    private static bool IsStalled(DaemonTorrent t, SessionSettings settings, DateTimeOffset now) =>
        settings.QueueStalledEnabled && t.Phase == TorrentPhase.Running && now - t.LastTransfer >= TimeSpan.FromMinutes(settings.QueueStalledMinutes);

    private static bool SeedLimitReached(DaemonTorrent t, SessionSettings settings, DateTimeOffset now)
    {
        if (RatioLimit(t, settings) is { } ratio && t.Ratio >= ratio) return true;
        return IdleLimit(t, settings) is { } idle && now - t.LastTransfer >= idle;
    }

    internal static double? RatioLimit(DaemonTorrent t, SessionSettings settings) => t.Settings.SeedRatioMode switch
    {
        SeedLimitMode.Single => t.Settings.SeedRatioLimit,
        SeedLimitMode.Global when settings.SeedRatioLimited => settings.SeedRatioLimit,
        _ => null,
    };

    internal static TimeSpan? IdleLimit(DaemonTorrent t, SessionSettings settings) => t.Settings.SeedIdleMode switch
    {
        SeedLimitMode.Single => TimeSpan.FromMinutes(t.Settings.SeedIdleLimit),
        SeedLimitMode.Global when settings.IdleSeedingLimitEnabled => TimeSpan.FromMinutes(settings.IdleSeedingLimit),
        _ => null,
    };

    /// <summary>Turns the alternative speeds on or off when the schedule crosses a boundary (a manual toggle holds until the next one).</summary>
    private void FollowAltSchedule(SessionSettings settings)
    {
        if (!settings.AltSpeedTimeEnabled)
        {
            _altScheduleWasActive = null;
            return;
        }
        bool active = settings.AltScheduleActive(Time.GetLocalNow().DateTime);
        if (_altScheduleWasActive == active) return;
        _altScheduleWasActive = active;
        if (settings.AltSpeedEnabled != active) UpdateSettings(settings with { AltSpeedEnabled = active });
    }

    /// <summary>Writes counters that changed (all of them at shutdown) in one transaction.</summary>
    private void FlushCounters(bool everything)
    {
        var now = Time.GetUtcNow();
        var rows = new List<(int, StoredCounters, long, long, byte[]?)>();
        lock (_sync)
        {
            foreach (var t in _byId.Values.Select(h => h.Torrent))
            {
                var counters = TorrentRecords.Counters(t);
                int pieces = t.LastProgress?.PiecesVerified ?? t.Have?.SetCount ?? 0;
                bool known = _flushed.TryGetValue(t.Id, out var last);
                bool changed = !known || last.Pieces != pieces || last.Counters with { SecondsDownloading = 0, SecondsSeeding = 0 }
                    != counters with { SecondsDownloading = 0, SecondsSeeding = 0 };
                bool stale = known && last.Counters != counters && now - last.When >= SecondsFlushInterval;
                if (!everything && !changed && !stale) continue;
                byte[]? have = !known || last.Pieces != pieces ? (t.Engine?.Have() ?? t.Have)?.ToWire() : null;
                rows.Add((t.Id, counters, t.ActivityDate?.ToUnixTimeSeconds() ?? 0, t.DoneDate?.ToUnixTimeSeconds() ?? 0, have));
                _flushed[t.Id] = (counters, pieces, now);
            }
        }
        var (_, cumulative) = Stats();
        try
        {
            _store.UpdateCounters(rows, cumulative);
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException)
        {
            _log.LogError("cannot write counters to {Path}: {Error}", _store.Path, ex.Message);
        }
    }
}
