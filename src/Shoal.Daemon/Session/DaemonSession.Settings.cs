using Shoal.Daemon.Engine;
using Shoal.Daemon.Rpc;
using Shoal.Daemon.Torrents;

namespace Shoal.Daemon.Session;

public sealed partial class DaemonSession
{
    private TransferStats _cumulative = TransferStats.Zero;
    private long _sessionUploaded, _sessionDownloaded, _sessionAdded;

    public void UpdateSettings(SessionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        lock (_sync) _settings = settings;
        _store.SetValue("settings", settings);
        ApplySpeedLimits();
        ApplyTransportSettings(settings);
        PlanQueue();
    }

    public void UpdateSettings(IHostedTorrent torrent, TorrentSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var t = Of(torrent);
        EnsureGroup(settings.Group);
        lock (_sync)
        {
            if (t.Removed) return;
            t.Settings = settings with { FilePaths = t.Settings.FilePaths }; // renames go through RenamePathAsync only
            t.EditDate = Time.GetUtcNow();
            t.Touch(Time.GetUtcNow());
        }
        Save(t);
        ApplyToEngine(t);
    }

    /// <summary>New trackers: stored, and a running torrent is restarted so its announces use them.</summary>
    public void SetTrackers(IHostedTorrent torrent, IReadOnlyList<IReadOnlyList<string>> tiers)
    {
        var t = Of(torrent);
        bool restart;
        lock (_sync)
        {
            if (t.Removed) return;
            t.EditedTrackers = tiers;
            t.EditDate = Time.GetUtcNow();
            t.Touch(Time.GetUtcNow());
            restart = t.Engine is not null && !t.Paused;
        }
        Save(t);
        if (restart)
        {
            RunInBackground(async () =>
            {
                await StopEngineAsync(t, keepWanting: true).ConfigureAwait(false);
                SetPhase(t, t.Paused ? TorrentPhase.Stopped : TorrentPhase.Queued);
                PlanQueue();
            }, $"restarting {t.Name} with its new trackers");
        }
    }

    public void SetQueuePosition(IHostedTorrent torrent, int position)
    {
        var t = Of(torrent);
        lock (_sync)
        {
            var order = QueueOrder();
            order.Remove(t);
            order.Insert(Math.Clamp(position, 0, order.Count), t);
            Number(order);
        }
        SaveQueuePositions();
        PlanQueue();
    }

    /// <summary>Moves the given torrents as Transmission does: to the top/bottom keeping their order, or one place up/down past unselected ones.</summary>
    public void MoveInQueue(IReadOnlyList<IHostedTorrent> torrents, QueueMove move)
    {
        var selected = torrents.Select(Of).ToHashSet();
        lock (_sync)
        {
            var order = QueueOrder();
            switch (move)
            {
                case QueueMove.Top:
                    order = [.. order.Where(selected.Contains), .. order.Where(t => !selected.Contains(t))];
                    break;
                case QueueMove.Bottom:
                    order = [.. order.Where(t => !selected.Contains(t)), .. order.Where(selected.Contains)];
                    break;
                case QueueMove.Up:
                    for (int i = 1; i < order.Count; i++)
                    {
                        if (selected.Contains(order[i]) && !selected.Contains(order[i - 1])) (order[i - 1], order[i]) = (order[i], order[i - 1]);
                    }
                    break;
                case QueueMove.Down:
                    for (int i = order.Count - 2; i >= 0; i--)
                    {
                        if (selected.Contains(order[i]) && !selected.Contains(order[i + 1])) (order[i + 1], order[i]) = (order[i], order[i + 1]);
                    }
                    break;
            }
            Number(order);
        }
        SaveQueuePositions();
        PlanQueue();
    }

    private List<DaemonTorrent> QueueOrder() => [.. _byId.Values.Select(h => h.Torrent).OrderBy(t => t.QueuePosition).ThenBy(t => t.Id)];

    /// <summary>Closes the gaps a removal leaves (under the lock).</summary>
    private void Renumber() => Number(QueueOrder());

    private void Number(List<DaemonTorrent> order)
    {
        var now = Time.GetUtcNow();
        for (int i = 0; i < order.Count; i++)
        {
            if (order[i].QueuePosition == i) continue;
            order[i].QueuePosition = i;
            order[i].Touch(now);
        }
    }

    private void SaveQueuePositions()
    {
        List<(int, int)> positions;
        lock (_sync) positions = [.. _byId.Values.Select(h => (h.Torrent.Id, h.Torrent.QueuePosition))];
        _store.SaveQueuePositions(positions);
    }

    private void ApplySpeedLimits()
    {
        var (up, down) = Settings.EffectiveLimits();
        _engine.SetSpeedLimits(up, down);
    }

    /// <summary>Adds what a running torrent moved since its last reading to the session's statistics (under the lock).</summary>
    private void CountTransfer(DaemonTorrent t, EngineProgress progress)
    {
        var previous = t.LastProgress;
        _sessionUploaded += Math.Max(0, progress.Uploaded - (previous?.Uploaded ?? 0));
        _sessionDownloaded += Math.Max(0, progress.Downloaded - (previous?.Downloaded ?? 0));
    }

    public (TransferStats Current, TransferStats Cumulative) Stats()
    {
        long seconds = (long)(Time.GetUtcNow() - _started).TotalSeconds;
        lock (_sync)
        {
            var current = new TransferStats(_sessionUploaded, _sessionDownloaded, _sessionAdded, 1, seconds);
            var cumulative = new TransferStats(_cumulative.UploadedBytes + current.UploadedBytes, _cumulative.DownloadedBytes + current.DownloadedBytes,
                _cumulative.FilesAdded + current.FilesAdded, Math.Max(1, _cumulative.SessionCount), _cumulative.SecondsActive + seconds);
            return (current, cumulative);
        }
    }
}
