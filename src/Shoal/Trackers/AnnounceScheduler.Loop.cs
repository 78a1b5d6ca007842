using Microsoft.Extensions.Logging;

namespace Shoal.Trackers;

public sealed partial class AnnounceScheduler
{
    private async Task TierLoopAsync(AnnounceTier tier, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await SleepUntilDueAsync(tier, stop).ConfigureAwait(false);
                await AnnounceTierAsync(tier, stop).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        finally
        {
            lock (_gate) tier.Announcing = false;
        }
    }

    private async Task SleepUntilDueAsync(AnnounceTier tier, CancellationToken stop)
    {
        while (true)
        {
            Task wake;
            TimeSpan delay;
            lock (_gate)
            {
                var now = _time.GetUtcNow();
                if (now >= tier.NextAnnounce)
                {
                    tier.SleepingUntil = null;
                    tier.Announcing = true;
                    return;
                }
                delay = tier.NextAnnounce - now;
                tier.SleepingUntil = tier.NextAnnounce;
                wake = tier.Wake.Task;
            }
            using var sleep = CancellationTokenSource.CreateLinkedTokenSource(stop);
            await Task.WhenAny(Task.Delay(delay, _time, sleep.Token), wake).ConfigureAwait(false);
            sleep.Cancel(); // releases the timer when woken early
            stop.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Tries the tier's trackers in order until one answers, then schedules the next announce.</summary>
    private async Task AnnounceTierAsync(AnnounceTier tier, CancellationToken stop)
    {
        List<TrackerEntry> candidates;
        lock (_gate) candidates = tier.Entries.Where(e => e.InvalidReason is null).ToList();

        foreach (var entry in candidates)
        {
            AnnounceEvent ev;
            lock (_gate)
            {
                ev = !entry.StartedAcknowledged ? AnnounceEvent.Started
                    : tier.CompletedPending ? AnnounceEvent.Completed
                    : AnnounceEvent.None;
                entry.State = TrackerState.Announcing;
                if (ev == AnnounceEvent.Started) entry.MayListUs = true;
            }

            AnnounceRequest request;
            AnnounceResponse response;
            try
            {
                request = BuildRequest(ev);
                response = await ClientFor(entry).AnnounceAsync(request, stop).ConfigureAwait(false);
            }
            catch (TrackerException e)
            {
                RecordFailure(entry, ev, e.Message, e.Kind);
                continue;
            }
            catch (Exception e) when (e is not OperationCanceledException || !stop.IsCancellationRequested)
            {
                // A bug in a client or the request factory must not kill the loop; treat it as this tracker failing.
                _log?.LogError(e, "announce to {Tracker} failed unexpectedly", TrackerException.Describe(entry.Uri!));
                RecordFailure(entry, ev, $"tracker {TrackerException.Describe(entry.Uri!)} failed: {e.Message}", TrackerErrorKind.InvalidResponse);
                continue;
            }

            RecordSuccess(tier, entry, ev, request, response);
            if (response.Peers.Count > 0) RaisePeers(response, entry.Uri!);
            return;
        }

        TimeSpan delay;
        lock (_gate)
        {
            tier.ConsecutiveFailures++;
            tier.DeferredTrigger = null; // the backoff decides; a pending 'completed' goes out with the retry
            delay = Backoff(tier);
            tier.NextAnnounce = _time.GetUtcNow() + delay;
            tier.Announcing = false;
        }
        _log?.LogWarning("no tracker of tier {Tier} answered; retrying in {Delay}", candidates.FirstOrDefault()?.Tier, Durations.Format(delay));
    }

    private AnnounceRequest BuildRequest(AnnounceEvent ev)
    {
        var request = _requestFactory() with { Event = ev };
        return request.Key == 0 ? request with { Key = _key } : request;
    }

    private ITrackerClient ClientFor(TrackerEntry entry)
    {
        lock (_gate) return entry.Client ??= _clientFactory(entry.Uri!);
    }

    private void RecordSuccess(AnnounceTier tier, TrackerEntry entry, AnnounceEvent ev, AnnounceRequest request, AnnounceResponse response)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            entry.State = TrackerState.Working;
            entry.LastAnnounce = now;
            entry.LastError = null;
            entry.Warning = response.WarningMessage;
            entry.LastPeerCount = response.Peers.Count;
            entry.Seeders = response.Seeders;
            entry.Leechers = response.Leechers;
            entry.Interval = response.Interval;
            entry.StartedAcknowledged = true;
            // A 'started' with nothing left already tells the tracker we seed; a later 'completed' would be a lie.
            if (ev == AnnounceEvent.Completed || (ev == AnnounceEvent.Started && request.Left == 0)) tier.CompletedPending = false;
            tier.Promote(entry);
            tier.ConsecutiveFailures = 0;
            tier.LastSuccess = now;
            tier.MinInterval = response.MinInterval;
            var interval = Clamp(response.Interval, _options.MinimumInterval, _options.MaximumInterval);
            if (response.MinInterval is { } min && min > interval) interval = Clamp(min, _options.MinimumInterval, _options.MaximumInterval);
            tier.NextAnnounce = now + interval;
            if (tier.DeferredTrigger is { } trigger)
            {
                var earliest = trigger == AnnounceEvent.Completed && tier.CompletedPending ? now : now + (tier.MinInterval ?? _options.DefaultMinInterval);
                if (earliest < tier.NextAnnounce) tier.NextAnnounce = earliest;
                tier.DeferredTrigger = null;
            }
            tier.Announcing = false;
        }
        if (response.WarningMessage is not null)
            _log?.LogWarning("tracker {Tracker} warns: {Warning}", TrackerException.Describe(entry.Uri!), response.WarningMessage);
        _log?.LogDebug("tracker {Tracker} answered {Event}: {Peers} peers, next in {Interval}",
            TrackerException.Describe(entry.Uri!), ev, response.Peers.Count, Durations.Format(response.Interval));
    }

    private void RecordFailure(TrackerEntry entry, AnnounceEvent ev, string message, TrackerErrorKind kind)
    {
        lock (_gate)
        {
            entry.State = TrackerState.Failing;
            entry.LastError = message;
            // Only a 'started' that may have reached the tracker (no answer in time) can have listed us.
            if (ev == AnnounceEvent.Started && kind != TrackerErrorKind.Timeout) entry.MayListUs = false;
        }
        _log?.LogWarning("{Message}", message);
    }

    /// <summary>Exponential backoff with up to 25% jitter (so many clients do not retry in step), never below the tracker's min interval.</summary>
    private TimeSpan Backoff(AnnounceTier tier)
    {
        int doublings = Math.Min(tier.ConsecutiveFailures - 1, 30);
        var delay = TimeSpan.FromTicks((long)Math.Min(_options.MinBackoff.Ticks * Math.Pow(2, doublings), _options.MaxBackoff.Ticks));
        delay += delay * (_random.NextDouble() * 0.25);
        if (tier.MinInterval is { } min && delay < min) delay = min;
        return delay;
    }

    private static TimeSpan Clamp(TimeSpan value, TimeSpan min, TimeSpan max) => value < min ? min : value > max ? max : value;

    private void RaisePeers(AnnounceResponse response, Uri tracker)
    {
        try
        {
            PeersDiscovered?.Invoke(response.Peers);
            PeersDiscoveredFrom?.Invoke(response.Peers, tracker);
        }
        catch (Exception e)
        {
            _log?.LogError(e, "a PeersDiscovered handler threw");
        }
    }

    private async Task StopCoreAsync(TimeSpan timeout)
    {
        bool started;
        List<Task> loops;
        lock (_gate)
        {
            started = _started;
            loops = _tiers.Select(t => t.Loop).OfType<Task>().ToList();
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (!started) return;

        using var deadline = new CancellationTokenSource(timeout, _time);
        try
        {
            await Task.WhenAll(loops).WaitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _log?.LogWarning("announce loops did not stop within {Timeout}", Durations.Format(timeout));
            return;
        }

        List<TrackerEntry> listed;
        lock (_gate) listed = _entries.Where(e => e.MayListUs && e.Client is not null).ToList();
        if (listed.Count == 0) return;
        AnnounceRequest request;
        try
        {
            request = BuildRequest(AnnounceEvent.Stopped);
        }
        catch (Exception e)
        {
            _log?.LogError(e, "could not build the 'stopped' announce");
            return;
        }
        await Task.WhenAll(listed.Select(entry => SendStoppedAsync(entry, request, deadline.Token))).ConfigureAwait(false);
    }

    private async Task SendStoppedAsync(TrackerEntry entry, AnnounceRequest request, CancellationToken deadline)
    {
        try
        {
            await entry.Client!.AnnounceAsync(request, deadline).ConfigureAwait(false);
            lock (_gate)
            {
                entry.MayListUs = false;
                entry.StartedAcknowledged = false;
                entry.State = TrackerState.Idle;
            }
        }
        catch (Exception e) when (e is TrackerException or OperationCanceledException)
        {
            var message = e is TrackerException ? e.Message : $"tracker {TrackerException.Describe(entry.Uri!)} got no 'stopped' in time";
            lock (_gate) entry.LastError = message;
            _log?.LogInformation("{Message}", message);
        }
    }
}
