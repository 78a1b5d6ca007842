using System.Net;
using Microsoft.Extensions.Logging;

namespace Shoal.Trackers;

/// <summary>
/// Drives the announces of one torrent over all its trackers (BEP 12 tiers): each tier is shuffled once and tried in
/// order, a tracker that answers moves to the front of its tier, and (by default) the first working tracker of every
/// tier is announced to. 'started' goes first, then regular announces on the tracker's interval, 'completed' once,
/// 'stopped' at shutdown; failures back off exponentially with jitter. Peers found are raised by <see cref="PeersDiscovered"/>.
/// </summary>
public sealed partial class AnnounceScheduler : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly List<AnnounceTier> _tiers = [];
    private readonly List<TrackerEntry> _entries = [];
    private readonly Func<AnnounceRequest> _requestFactory;
    private readonly TrackerClientOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger? _log;
    private readonly Func<Uri, ITrackerClient> _clientFactory;
    private readonly Random _random;
    private readonly uint _key;
    private readonly CancellationTokenSource _stopping = new();
    private bool _started;
    private bool _completedRequested;
    private Task? _stopTask;

    /// <param name="tiers">Tracker URLs by tier (a torrent's announce-list, or one tier holding its 'announce'); duplicates are dropped.</param>
    /// <param name="requestFactory">Current statistics for the torrent; its <see cref="AnnounceRequest.Event"/> is overridden by the scheduler,
    /// and a <see cref="AnnounceRequest.Key"/> of 0 is replaced by one random key kept for the scheduler's lifetime.</param>
    /// <param name="clientFactory">Creates the client for a URL; defaults to <see cref="TrackerClientFactory.Create(Uri, TrackerClientOptions)"/>.</param>
    /// <param name="random">Source for the tier shuffle and backoff jitter (seed it in tests).</param>
    public AnnounceScheduler(
        IReadOnlyList<IReadOnlyList<string>> tiers,
        Func<AnnounceRequest> requestFactory,
        TrackerClientOptions options,
        TimeProvider time,
        ILogger? log = null,
        Func<Uri, ITrackerClient>? clientFactory = null,
        Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(tiers);
        _requestFactory = requestFactory ?? throw new ArgumentNullException(nameof(requestFactory));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _log = log;
        _clientFactory = clientFactory ?? (uri => TrackerClientFactory.Create(uri, _options));
        _random = random ?? new Random();
        _key = (uint)_random.NextInt64(1, uint.MaxValue);
        BuildTiers(tiers);
    }

    /// <summary>Raised (from a background task) with the peers of each successful announce; handlers must be quick.</summary>
    public event Action<IReadOnlyList<IPEndPoint>>? PeersDiscovered;

    /// <summary>As <see cref="PeersDiscovered"/>, with the tracker that gave them (whether it is on this machine matters).</summary>
    public event Action<IReadOnlyList<IPEndPoint>, Uri>? PeersDiscoveredFrom;

    /// <summary>Every tracker, tier by tier, in the order they are currently tried.</summary>
    public IReadOnlyList<TrackerStatus> Status
    {
        get
        {
            lock (_gate)
            {
                var result = new List<TrackerStatus>(_entries.Count);
                foreach (var tier in _tiers)
                {
                    var first = tier.FirstUsable;
                    foreach (var e in tier.Entries)
                    {
                        DateTimeOffset? next = _started && !_stopping.IsCancellationRequested && e == first ? tier.NextAnnounce : null;
                        result.Add(new TrackerStatus(e.Url, e.Tier, e.State, e.LastAnnounce, next, e.LastError, e.Warning,
                            e.LastPeerCount, e.Seeders, e.Leechers, e.Interval));
                    }
                }
                return result;
            }
        }
    }

    /// <summary>Starts announcing ('started' to every tier right away).</summary>
    public void Start()
    {
        lock (_gate)
        {
            if (_stopTask is not null) throw new InvalidOperationException("the scheduler was stopped");
            if (_started) throw new InvalidOperationException("the scheduler is already started");
            _started = true;
            var now = _time.GetUtcNow();
            foreach (var tier in _tiers)
            {
                tier.NextAnnounce = now;
                tier.Loop = Task.Run(() => TierLoopAsync(tier, _stopping.Token), CancellationToken.None);
            }
        }
    }

    /// <summary>
    /// Announces as soon as allowed: <see cref="AnnounceEvent.None"/> asks for more peers (honouring each tracker's
    /// min interval and any failure backoff); <see cref="AnnounceEvent.Completed"/> reports the download finished
    /// (once; sent right away to every tier not backing off). 'started' and 'stopped' are the scheduler's own business.
    /// </summary>
    public void AnnounceNow(AnnounceEvent ev = AnnounceEvent.None)
    {
        if (ev is AnnounceEvent.Started or AnnounceEvent.Stopped)
            throw new ArgumentException("'started' is sent by Start and 'stopped' by StopAsync", nameof(ev));
        lock (_gate)
        {
            if (ev == AnnounceEvent.Completed)
            {
                if (_completedRequested) return;
                _completedRequested = true;
                foreach (var tier in _tiers) tier.CompletedPending = true;
            }
            if (!_started || _stopping.IsCancellationRequested) return;
            var now = _time.GetUtcNow();
            foreach (var tier in _tiers)
            {
                if (tier.ConsecutiveFailures > 0) continue; // a failing tier keeps its backoff
                if (tier.Announcing)
                {
                    // The answer in flight will reschedule the tier; remember to pull that forward.
                    if (tier.DeferredTrigger != AnnounceEvent.Completed) tier.DeferredTrigger = ev;
                    continue;
                }
                var earliest = now;
                if (ev == AnnounceEvent.None && tier.LastSuccess is { } last)
                {
                    var spacing = tier.MinInterval ?? _options.DefaultMinInterval;
                    if (last + spacing > earliest) earliest = last + spacing;
                }
                if (earliest < tier.NextAnnounce)
                {
                    tier.NextAnnounce = earliest;
                    tier.Signal();
                }
            }
        }
    }

    /// <summary>
    /// Stops the announce loops and tells every tracker that may list us 'stopped', waiting at most
    /// <paramref name="timeout"/> in all (best effort: failures are logged, never thrown).
    /// </summary>
    public Task StopAsync(TimeSpan timeout)
    {
        lock (_gate)
        {
            return _stopTask ??= StopCoreAsync(timeout);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        lock (_gate)
        {
            foreach (var entry in _entries) entry.Client?.Dispose();
        }
        _stopping.Dispose();
    }

    /// <summary>For tests: true when every tier loop sleeps until a time still in the future.</summary>
    internal bool IsIdle
    {
        get
        {
            lock (_gate)
            {
                if (_stopping.IsCancellationRequested) return _tiers.All(t => t.Loop is null || t.Loop.IsCompleted);
                var now = _time.GetUtcNow();
                return _tiers.All(t => t.SleepingUntil is { } until && until > now && !t.Announcing);
            }
        }
    }

    private void BuildTiers(IReadOnlyList<IReadOnlyList<string>> tiers)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var groups = new List<List<TrackerEntry>>();
        for (int t = 0; t < tiers.Count; t++)
        {
            var group = new List<TrackerEntry>();
            foreach (var raw in tiers[t] ?? [])
            {
                var url = raw?.Trim();
                if (string.IsNullOrEmpty(url) || !seen.Add(url)) continue;
                group.Add(CreateEntry(url, groups.Count));
            }
            if (group.Count == 0) continue;
            _random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(group));
            groups.Add(group);
            _entries.AddRange(group);
        }
        if (_options.AnnounceToAllTiers) _tiers.AddRange(groups.Select(g => new AnnounceTier(g)));
        else if (groups.Count > 0) _tiers.Add(new AnnounceTier(groups.SelectMany(g => g).ToList()));
    }

    private static TrackerEntry CreateEntry(string url, int tier)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri)) return new TrackerEntry(url, tier, null, "is not a valid URL");
        if (uri.Scheme is not ("http" or "https" or "udp"))
            return new TrackerEntry(url, tier, null, $"has unsupported scheme '{uri.Scheme}' (expected http, https or udp)");
        return new TrackerEntry(url, tier, uri, null);
    }
}
