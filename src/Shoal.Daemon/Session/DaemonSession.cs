using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Shoal.Daemon.Engine;
using Shoal.Daemon.Rpc;
using Shoal.Daemon.Store;
using Shoal.Daemon.Torrents;
using Shoal.Metainfo;

namespace Shoal.Daemon.Session;

/// <summary>
/// The daemon's torrents and settings: restores them from the store, runs them in the engine within the queue limits,
/// applies seeding limits and speed limits, keeps the store up to date, and answers the RPC (<see cref="ITorrentHost"/>).
/// Registry state lives behind <see cref="_sync"/> (short, I/O-free sections); slow per-torrent work (opening data,
/// stopping, moving) runs under that torrent's own gate.
/// </summary>
public sealed partial class DaemonSession : ITorrentHost, IAsyncDisposable
{
    private readonly Lock _sync = new();
    private readonly SortedDictionary<int, Hosted> _byId = [];
    private readonly Dictionary<InfoHash, Hosted> _byHash = [];
    private readonly List<(int Id, DateTimeOffset When)> _removed = [];
    private readonly EngineHost _engine;
    private readonly SessionStore _store;
    private readonly DaemonOptions _options;
    private readonly SemaphoreSlim _checkers;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _closing = new();
    private readonly TaskCompletionSource _shutdownRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<BackgroundWork> _background = [];
    private SessionSettings _settings;
    private int _nextId = 1;
    private bool _disposed;

    private DaemonSession(DaemonOptions options, EngineHost engine, SessionStore store, SessionSettings settings)
    {
        _options = options;
        _engine = engine;
        _store = store;
        _settings = settings;
        _checkers = new SemaphoreSlim(Math.Max(1, options.MaxConcurrentChecks));
        _log = (options.Loggers ?? NullLoggerFactory.Instance).CreateLogger("Shoal.Daemon");
        Time = options.Time;
        Facts = new SessionFacts(engine.ListenPort, Path.GetFullPath(options.StateDirectory), DaemonVersion.Long,
            Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)), options.Client.EnablePex, options.Client.EnableLsd);
        _started = Time.GetUtcNow();
    }

    public TimeProvider Time { get; }

    public SessionFacts Facts { get; }

    public SessionSettings Settings { get { lock (_sync) return _settings; } }

    /// <summary>Completes when a remote asked the daemon to shut down (session-close).</summary>
    public Task ShutdownRequested => _shutdownRequested.Task;

    /// <summary>Restores every stored torrent (running ones are queued to start at once) and starts the session's clock.</summary>
    public static DaemonSession Open(DaemonOptions options, EngineHost engine, SessionStore store)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = store.GetValue<SessionSettings>("settings") ?? new SessionSettings { DownloadDir = Path.GetFullPath(options.DownloadDirectory) };
        var session = new DaemonSession(options, engine, store, settings);
        session.RestoreGroups();
        session.Restore();
        session.ApplySpeedLimits();
        session.ApplyTransportSettings(settings);
        session.ApplyStoredDht(settings);
        session.StartClock();
        return session;
    }

    public IReadOnlyList<IHostedTorrent> Torrents { get { lock (_sync) return [.. _byId.Values]; } }

    /// <summary>The running engine torrent behind RPC id <paramref name="id"/>, or null (for tests).</summary>
    internal EngineTorrent? EngineOf(int id)
    {
        lock (_sync) return _byId.TryGetValue(id, out var hosted) ? hosted.Torrent.Engine : null;
    }

    public IReadOnlyList<int> RemovedSince(DateTimeOffset cutoff)
    {
        lock (_sync) return [.. _removed.Where(r => r.When >= cutoff).Select(r => r.Id)];
    }

    public void RequestShutdown() => _shutdownRequested.TrySetResult();

    private void Restore()
    {
        var rows = _store.LoadTorrents();
        var now = Time.GetUtcNow();
        foreach (var row in rows)
        {
            DaemonTorrent torrent;
            try
            {
                torrent = TorrentRecords.FromStored(row, now);
            }
            catch (Exception ex) when (ex is InvalidTorrentException or FormatException or System.Text.Json.JsonException)
            {
                _log.LogWarning("torrent {Id} ({Hash}) in the state database cannot be read and is left out: {Error}", row.Id, row.InfoHash, ex.Message);
                continue;
            }
            Register(torrent);
        }
        _nextId = Math.Max(_store.GetValue<CounterValue>("next-id")?.Value ?? 1, (rows.Count == 0 ? 0 : rows.Max(r => r.Id)) + 1);
        _cumulative = (_store.GetValue<TransferStats>("stats") ?? TransferStats.Zero) is var stats
            ? stats with { SessionCount = stats.SessionCount + 1 } : TransferStats.Zero;
        _log.LogInformation("restored {Count} torrents ({Running} to run)", _byId.Count, _byId.Values.Count(h => !h.Torrent.Paused));
    }

    private Hosted Register(DaemonTorrent torrent)
    {
        var hosted = new Hosted(this, torrent);
        lock (_sync)
        {
            _byId.Add(torrent.Id, hosted);
            _byHash.Add(torrent.InfoHash, hosted);
        }
        return hosted;
    }

    private static DaemonTorrent Of(IHostedTorrent torrent) =>
        (torrent as Hosted ?? throw new ArgumentException("not a torrent of this session", nameof(torrent))).Torrent;

    private void Save(DaemonTorrent torrent)
    {
        if (torrent.Removed) return;
        _store.Save(TorrentRecords.ToStored(torrent));
    }

    /// <summary>Runs slow work in the background, tracked so disposal waits for it; failures are logged, never thrown.</summary>
    private void RunInBackground(Func<Task> work, string what) => RunInBackground(_ => work(), what);

    /// <summary>As above, for work that may wait for peers (<see cref="BackgroundWork.WaitForPeersAsync"/>).</summary>
    private void RunInBackground(Func<BackgroundWork, Task> work, string what)
    {
        var tracked = new BackgroundWork();
        lock (_background)
        {
            tracked.Task = Task.Run(async () =>
            {
                try { await work(tracked).ConfigureAwait(false); }
                catch (Exception ex) when (ex is not OperationCanceledException || !_closing.IsCancellationRequested)
                {
                    _log.LogError(ex, "{What} failed", what);
                }
            });
            _background.RemoveAll(w => w.Task.IsCompleted);
            _background.Add(tracked);
        }
    }

    /// <summary>Stops the clock, stops every torrent (stop announces in parallel, each with a deadline; resume records saved) and writes all counters.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_sync)
        {
            if (_disposed) return;
            _disposed = true;
        }
        await StopClockAsync().ConfigureAwait(false);
        await _closing.CancelAsync().ConfigureAwait(false);
        Task[] pending;
        lock (_background) pending = [.. _background.Select(w => w.Task)];
        await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(15)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        DaemonTorrent[] all;
        lock (_sync) all = [.. _byId.Values.Select(h => h.Torrent)];
        await Task.WhenAll(all.Select(t => StopEngineAsync(t, keepWanting: true))).ConfigureAwait(false);
        FlushCounters(everything: true);
        foreach (var torrent in all) Save(torrent);
        _log.LogInformation("session saved: {Count} torrents", all.Length);
    }

    private sealed record CounterValue(int Value);

    /// <summary>The RPC's view of one torrent: reads through to the session for numbers that depend on its settings.</summary>
    private sealed class Hosted(DaemonSession session, DaemonTorrent torrent) : IHostedTorrent
    {
        public DaemonTorrent Torrent { get; } = torrent;

        public int Id => Torrent.Id;

        public InfoHash InfoHash => Torrent.InfoHash;

        public DateTimeOffset AnyDate => Torrent.AnyDate;

        public TorrentSnapshot Snapshot() => session.BuildSnapshot(Torrent);

        public IReadOnlyList<PeerView> Peers() => Torrent.Engine?.Peers() ?? [];

        /// <summary>The torrent's trackers in their stored order (ids are positions in it), with the engine's state where it runs.</summary>
        public IReadOnlyList<TrackerView> Trackers()
        {
            var live = Torrent.Engine?.Trackers().DistinctBy(t => t.Announce).ToDictionary(t => t.Announce, StringComparer.Ordinal) ?? [];
            return [.. Torrent.TrackerTiers.SelectMany((tier, t) => tier.Select(url => (Url: url, Tier: t))).Select((e, i) =>
                live.TryGetValue(e.Url, out var view) ? view with { Id = i, Tier = e.Tier }
                    : new TrackerView(i, e.Tier, e.Url, TrackerActivity.Idle, null, null, null, null, 0, null, null))];
        }

        /// <summary>The torrent's real files (padding left out), numbered as the RPC numbers them.</summary>
        public IReadOnlyList<FileView> Files()
        {
            if (Torrent.Info is not { } info) return [];
            var done = FileProgress.Completed(info, Torrent.Engine?.Have() ?? Torrent.Have);
            var settings = Torrent.Settings;
            // Real files only, in RPC order: padding is not shown (see FileIndexMap).
            return [.. FileIndexMap.Of(info).InternalIndices.Select(i =>
                new FileView(TorrentPaths.Of(info, settings, i), info.Files[i].Length, done[i], settings.IsWanted(i), settings.PriorityOf(i)))];
        }

        public byte[]? Pieces()
        {
            if (Torrent.Info is not { } info) return null;
            return (Torrent.Engine?.Have() ?? Torrent.Have ?? new Storage.Bitfield(info.PieceCount)).ToWire();
        }

        public byte[]? PiecesInFlight() => Torrent.Engine?.InFlight().ToWire();

        public IReadOnlyList<int> Availability() => Torrent.Engine?.Availability() ?? [];
    }
}
