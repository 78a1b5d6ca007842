namespace Shoal.Trackers;

/// <summary>One tracker URL inside the scheduler, with what it last said. Guarded by the scheduler's lock.</summary>
internal sealed class TrackerEntry(string url, int tier, Uri? uri, string? invalidReason)
{
    public string Url { get; } = url;
    public int Tier { get; } = tier;
    public Uri? Uri { get; } = uri;
    public string? InvalidReason { get; } = invalidReason;
    public ITrackerClient? Client { get; set; }

    public TrackerState State { get; set; } = invalidReason is null ? TrackerState.Idle : TrackerState.Invalid;
    public DateTimeOffset? LastAnnounce { get; set; }
    public string? LastError { get; set; } = invalidReason is null ? null : $"tracker {url} {invalidReason}";
    public string? Warning { get; set; }
    public int LastPeerCount { get; set; }
    public int? Seeders { get; set; }
    public int? Leechers { get; set; }
    public TimeSpan? Interval { get; set; }

    /// <summary>The tracker acknowledged our 'started' (so later announces carry other events).</summary>
    public bool StartedAcknowledged { get; set; }

    /// <summary>The tracker may list us (a 'started' reached it or may have): it deserves a 'stopped' at shutdown.</summary>
    public bool MayListUs { get; set; }
}

/// <summary>
/// A group of trackers announced as one: a BEP 12 tier (or, when not announcing to all tiers, every tier in order).
/// Its entries are tried in order until one answers; the one that answers moves to the front of its own tier.
/// </summary>
internal sealed class AnnounceTier(List<TrackerEntry> entries)
{
    public List<TrackerEntry> Entries { get; } = entries;

    public DateTimeOffset NextAnnounce { get; set; }
    public DateTimeOffset? LastSuccess { get; set; }
    public TimeSpan? MinInterval { get; set; }
    public int ConsecutiveFailures { get; set; }
    public bool CompletedPending { get; set; }
    public bool Announcing { get; set; }

    /// <summary>An "announce now" that arrived while an announce was in flight, to honour once it is answered.</summary>
    public AnnounceEvent? DeferredTrigger { get; set; }

    /// <summary>When the loop is asleep, the time it sleeps until (for the idle check tests use).</summary>
    public DateTimeOffset? SleepingUntil { get; set; }

    public TaskCompletionSource Wake { get; set; } = NewWake();

    public Task? Loop { get; set; }

    public TrackerEntry? FirstUsable => Entries.FirstOrDefault(e => e.InvalidReason is null);

    /// <summary>BEP 12: a tracker that answered goes to the front of its tier, keeping the others' order.</summary>
    public void Promote(TrackerEntry entry)
    {
        int from = Entries.IndexOf(entry);
        int to = Entries.FindIndex(e => e.Tier == entry.Tier);
        if (from <= to) return;
        Entries.RemoveAt(from);
        Entries.Insert(to, entry);
    }

    /// <summary>Wakes the sleeping loop so it re-reads <see cref="NextAnnounce"/>.</summary>
    public void Signal()
    {
        var wake = Wake;
        Wake = NewWake();
        SleepingUntil = null;
        wake.TrySetResult();
    }

    private static TaskCompletionSource NewWake() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
