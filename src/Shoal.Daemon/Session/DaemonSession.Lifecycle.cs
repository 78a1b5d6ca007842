using Microsoft.Extensions.Logging;
using Shoal.Daemon.Engine;
using Shoal.Daemon.Rpc;
using Shoal.Daemon.Torrents;
using Shoal.Metainfo;
using Shoal.Storage;

namespace Shoal.Daemon.Session;

public sealed partial class DaemonSession
{
    public Task StartAsync(IHostedTorrent torrent, bool bypassQueue)
    {
        var t = Of(torrent);
        lock (_sync)
        {
            if (t.Removed) return Task.CompletedTask;
            t.Paused = false;
            t.IsFinished = false;
            t.LocalError = null;
            t.BypassQueue |= bypassQueue;
            if (t.Phase == TorrentPhase.Stopped) t.Phase = TorrentPhase.Queued;
            t.Touch(Time.GetUtcNow());
        }
        Save(t);
        PlanQueue();
        return Task.CompletedTask;
    }

    /// <summary>Marks it stopped at once; the engine stops in the background (a stop announce may take seconds).</summary>
    public Task StopAsync(IHostedTorrent torrent)
    {
        var t = Of(torrent);
        lock (_sync)
        {
            t.Paused = true;
            t.BypassQueue = false;
            t.Touch(Time.GetUtcNow());
        }
        RunInBackground(async () =>
        {
            // Paused was set above; a start that arrives before this runs must not be undone here.
            await StopEngineAsync(t, keepWanting: false, markPaused: false).ConfigureAwait(false);
            PlanQueue();
        }, $"stopping {t.Name}");
        return Task.CompletedTask;
    }

    /// <summary>Queues a full check in the background; its progress shows in the torrent's status.</summary>
    public Task VerifyAsync(IHostedTorrent torrent)
    {
        var t = Of(torrent);
        if (t.Info is not null) RunInBackground(() => VerifyCoreAsync(t), $"verifying {t.Name}");
        return Task.CompletedTask;
    }

    /// <summary>
    /// Waits until background work started so far (starts, stops, checks, removals) has finished, or is only waiting for
    /// peers (a magnet's metadata, a v2 torrent's piece layers: that may never come). For tests.
    /// </summary>
    public async Task WhenIdleAsync()
    {
        while (true)
        {
            Task[] pending;
            lock (_background) pending = [.. _background.Where(w => !w.Task.IsCompleted && !w.WaitingForPeers).Select(w => w.Settled)];
            if (pending.Length == 0) return;
            await Task.WhenAll(pending).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task VerifyCoreAsync(DaemonTorrent t)
    {
        if (t.Info is null) return; // nothing to check before the metadata arrives
        bool wanted = !t.Paused;
        await StopEngineAsync(t, keepWanting: true).ConfigureAwait(false);
        await t.Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (t.Removed) return;
            SetPhase(t, TorrentPhase.CheckWait);
            await _checkers.WaitAsync(_closing.Token).ConfigureAwait(false);
            try
            {
                SetPhase(t, TorrentPhase.Checking);
                t.Have = await CheckDataAsync(t, fullCheck: true, _closing.Token).ConfigureAwait(false);
                t.LocalError = null;
            }
            catch (Exception ex) when (IsLocalProblem(ex))
            {
                t.LocalError = $"verify failed: {ex.Message}";
            }
            finally
            {
                _checkers.Release();
            }
            SetPhase(t, wanted && t.LocalError is null ? TorrentPhase.Queued : TorrentPhase.Stopped);
            Save(t);
        }
        finally
        {
            t.Gate.Release();
        }
        PlanQueue();
    }

    public void Reannounce(IHostedTorrent torrent) => Of(torrent).Engine?.Reannounce();

    /// <summary>Forgets the torrent at once; stopping it and deleting its data happen in the background.</summary>
    public Task RemoveAsync(IHostedTorrent torrent, bool deleteData)
    {
        var t = Of(torrent);
        lock (_sync)
        {
            if (t.Removed) return Task.CompletedTask;
            t.Removed = true;
            _byId.Remove(t.Id);
            _byHash.Remove(t.InfoHash);
            _removed.Add((t.Id, Time.GetUtcNow()));
            _removed.RemoveAll(r => r.When < Time.GetUtcNow() - TimeSpan.FromHours(1));
            _flushed.Remove(t.Id);
            Renumber();
        }
        _store.Delete(t.Id);
        SaveQueuePositions();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_removals) _removals[t.InfoHash] = done.Task;
        RunInBackground(async () =>
        {
            try
            {
                await StopEngineAsync(t, keepWanting: false).ConfigureAwait(false);
                _engine.ForgetResumeRecord(t.InfoHash);
                if (deleteData && t.Info is { } info)
                {
                    int deleted = DataFiles.Delete(info, t.DownloadDir, TorrentPaths.ForStorage(info, t.Settings));
                    _log.LogInformation("removed {Name} and its {Count} files", t.Name, deleted);
                }
                else _log.LogInformation("removed {Name}", t.Name);
            }
            finally
            {
                lock (_removals)
                {
                    if (_removals.TryGetValue(t.InfoHash, out var current) && current == done.Task) _removals.Remove(t.InfoHash);
                }
                done.TrySetResult();
            }
            PlanQueue();
        }, $"removing {t.Name}");
        return Task.CompletedTask;
    }

    // Removals still stopping their torrent or deleting its data, by info-hash: the same torrent added again waits for
    // its earlier copy to be gone, or that copy's deletion could take the new download's files.
    private readonly Dictionary<InfoHash, Task> _removals = [];

    private Task PendingRemoval(InfoHash infoHash)
    {
        lock (_removals) return _removals.GetValueOrDefault(infoHash) ?? Task.CompletedTask;
    }

    public async Task SetLocationAsync(IHostedTorrent torrent, string location, bool move)
    {
        var t = Of(torrent);
        string target = Path.GetFullPath(location);
        bool wanted = !t.Paused;
        await StopEngineAsync(t, keepWanting: true).ConfigureAwait(false);
        await t.Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (t.Removed) return;
            if (move && t.Info is { } info && !string.Equals(Path.GetFullPath(t.DownloadDir), target, StringComparison.Ordinal))
            {
                try
                {
                    int moved = await Task.Run(() => DataFiles.Move(info, t.DownloadDir, target, TorrentPaths.ForStorage(info, t.Settings))).ConfigureAwait(false);
                    _log.LogInformation("moved {Count} files of {Name} to {Target}", moved, t.Name, target);
                }
                catch (Exception ex) when (IsLocalProblem(ex))
                {
                    // Nothing changes: the torrent keeps its old location (files moved before the failure stay moved and are
                    // found missing by the next check, as Transmission does).
                    SetPhase(t, wanted ? TorrentPhase.Queued : TorrentPhase.Stopped);
                    throw new RpcException($"cannot move {t.Name}: {ex.Message}");
                }
            }
            else if (!move)
            {
                _engine.ForgetResumeRecord(t.InfoHash); // the data there is another copy: check it
            }
            lock (_sync)
            {
                t.DownloadDir = target;
                t.EditDate = Time.GetUtcNow();
                t.Touch(Time.GetUtcNow());
            }
            SetPhase(t, wanted ? TorrentPhase.Queued : TorrentPhase.Stopped);
            Save(t);
        }
        finally
        {
            t.Gate.Release();
        }
        PlanQueue();
    }

    /// <summary>
    /// Renames a file or folder of the torrent (Transmission's tr_torrentRenamePath): a running torrent stops, its data is
    /// renamed on disk (if there is any yet), the new paths are stored, and it goes on. A renamed file's pieces are hashed
    /// again at that start (a rename changes the file's ctime, which the resume record checks); a renamed folder's are not.
    /// </summary>
    public async Task RenamePathAsync(IHostedTorrent torrent, string path, string name)
    {
        var t = Of(torrent);
        if (t.Info is not { } info) throw new RpcException("torrent-rename-path: the torrent has no metadata yet");
        if (Renamed(info, t.Settings, path, name) is null) return; // the same name: nothing to do
        bool wanted = !t.Paused;
        await StopEngineAsync(t, keepWanting: true).ConfigureAwait(false);
        await t.Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (t.Removed) return;
            try
            {
                if (Renamed(info, t.Settings, path, name) is { } paths)
                {
                    string[] from = path.Split('/');
                    string[] to = [.. from[..^1], name];
                    bool onDisk = await Task.Run(() => DataFiles.Rename(t.DownloadDir, from, to)).ConfigureAwait(false);
                    lock (_sync)
                    {
                        t.Settings = t.Settings with { FilePaths = paths };
                        t.EditDate = Time.GetUtcNow();
                        t.Touch(Time.GetUtcNow());
                    }
                    _log.LogInformation("renamed {Path} of {Name} to {New}{OnDisk}", path, t.Name, name, onDisk ? "" : " (nothing on disk yet)");
                    Save(t);
                }
            }
            catch (Exception ex) when (IsLocalProblem(ex))
            {
                throw new RpcException($"torrent-rename-path: cannot rename '{path}': {ex.Message}");
            }
            finally
            {
                SetPhase(t, wanted ? TorrentPhase.Queued : TorrentPhase.Stopped);
            }
        }
        finally
        {
            t.Gate.Release();
        }
        PlanQueue();
    }

    /// <summary>The files' paths after the rename, or null when the name is unchanged; a user mistake is an <see cref="RpcException"/>.</summary>
    private static IReadOnlyList<string>? Renamed(TorrentInfo info, TorrentSettings settings, string path, string name)
    {
        try
        {
            var paths = TorrentPaths.Rename(info, settings, path, name);
            bool same = path.Split('/')[^1] == name;
            return same ? null : paths;
        }
        catch (ArgumentException ex)
        {
            throw new RpcException($"torrent-rename-path: {ex.Message}");
        }
    }

    /// <summary>
    /// Queued torrents are started here (by <see cref="PlanQueue"/>): opens the data (or fetches a magnet's metadata, or a
    /// v2 torrent's missing piece layers) and runs it. Waiting for peers does not count as work to <see cref="WhenIdleAsync"/>.
    /// </summary>
    private async Task StartEngineAsync(DaemonTorrent t, BackgroundWork work)
    {
        await PendingRemoval(t.InfoHash).ConfigureAwait(false);
        await t.Gate.WaitAsync().ConfigureAwait(false);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(_closing.Token);
        try
        {
            if (t.Removed || t.Phase is not (TorrentPhase.CheckWait or TorrentPhase.FetchingMetadata)) return;
            t.StartCancel = cancel;
            EngineTorrent engine;
            if (t.Metainfo is null)
            {
                SetPhase(t, TorrentPhase.FetchingMetadata);
                engine = await work.WaitForPeersAsync(_engine.StartMagnetAsync(MagnetWithTrackers(t), t.DownloadDir, p => t.MetadataProgress = p,
                    p => t.CheckProgress = p, cancel.Token)).ConfigureAwait(false);
                OnMetadata(t, engine.Torrent);
            }
            else if (t.Have is not null && !t.Metainfo.Info.HasAllPieceHashes && !await ComputePieceLayersInSlotAsync(t, cancel.Token).ConfigureAwait(false))
            {
                // Queued for a download slot after its first look found no complete data: its layers come from peers.
                SetPhase(t, TorrentPhase.FetchingMetadata);
                var torrent = WithTrackers(t);
                engine = await work.WaitForPeersAsync(_engine.StartFetchingLayersAsync(torrent, t.DownloadDir, t.Settings.Wanted, p => t.MetadataProgress = p,
                    p => t.CheckProgress = p, cancel.Token, TorrentPaths.ForStorage(torrent.Info, t.Settings))).ConfigureAwait(false);
                OnMetadata(t, WithPieceLayers(t.Metainfo), "piece layers");
            }
            else
            {
                await _checkers.WaitAsync(cancel.Token).ConfigureAwait(false);
                try
                {
                    SetPhase(t, TorrentPhase.Checking);
                    if (t.Have is null)
                    {
                        // First look at a new torrent's data: learn what is there, then let the queue decide (as a seed or a download).
                        var have = await CheckDataAsync(t, fullCheck: false, cancel.Token).ConfigureAwait(false);
                        lock (_sync)
                        {
                            t.Have = have;
                            if (t.Phase == TorrentPhase.Checking) t.Phase = TorrentPhase.Queued;
                        }
                        RequestPlan();
                        return;
                    }
                    var torrent = WithTrackers(t);
                    var wanted = t.Settings.Wanted;
                    engine = await _engine.StartAsync(torrent, t.DownloadDir, wanted, p => t.CheckProgress = p, cancel.Token,
                        TorrentPaths.ForStorage(torrent.Info, t.Settings)).ConfigureAwait(false);
                }
                finally
                {
                    _checkers.Release();
                }
            }
            var now = Time.GetUtcNow();
            lock (_sync)
            {
                t.Engine = engine;
                t.LastProgress = engine.Progress();
                t.Phase = TorrentPhase.Running;
                t.StartDate = now;
                t.LastTransfer = now;
                t.CheckProgress = 0;
                t.Touch(now);
            }
            ApplyToEngine(t);
            _log.LogInformation("started {Name}: {Verified}/{Pieces} pieces verified, {Hashed} hashed now", t.Name, engine.Have().SetCount,
                engine.Info.PieceCount, engine.PiecesHashedAtStart);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // Stopped, removed or shutting down while starting: the stopper has set the phase.
        }
        catch (Exception ex) when (IsLocalProblem(ex))
        {
            _log.LogWarning("{Name} cannot start: {Error}", t.Name, ex.Message);
            lock (_sync)
            {
                t.LocalError = ex.Message;
                t.Phase = TorrentPhase.Stopped;
                t.Touch(Time.GetUtcNow());
            }
            Save(t);
        }
        finally
        {
            t.StartCancel = null;
            t.Gate.Release();
        }
    }

    /// <summary>
    /// Takes a torrent out of the engine (announcing 'stopped', saving its resume record) and folds its counters into its
    /// totals. <paramref name="keepWanting"/>: a pause for verify, move or shutdown; otherwise the user stopped it.
    /// </summary>
    private async Task StopEngineAsync(DaemonTorrent t, bool keepWanting, bool markPaused = true)
    {
        lock (_sync)
        {
            if (!keepWanting && markPaused)
            {
                t.Paused = true;
                t.BypassQueue = false;
            }
            if (t.Phase is TorrentPhase.Queued or TorrentPhase.CheckWait or TorrentPhase.FetchingMetadata && t.Engine is null) t.Phase = TorrentPhase.Stopped;
        }
        t.StartCancel?.Cancel();
        await t.Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (t.Engine is { } engine)
            {
                SetPhase(t, TorrentPhase.Stopping);
                await engine.StopAsync().ConfigureAwait(false);
                lock (_sync)
                {
                    var final = engine.Progress();
                    CountTransfer(t, final);
                    t.LastProgress = final;
                    t.Have = engine.Have();
                    t.AbsorbEngineCounters();
                    t.Engine = null;
                }
                _log.LogInformation("stopped {Name}", t.Name);
            }
            // Started again while the stop announce was under way: queue it, so the plan that follows starts it.
            bool startedMeanwhile;
            lock (_sync) startedMeanwhile = !keepWanting && !t.Paused && !t.Removed;
            SetPhase(t, startedMeanwhile ? TorrentPhase.Queued : TorrentPhase.Stopped);
            if (!keepWanting) Save(t);
        }
        finally
        {
            t.Gate.Release();
        }
    }

    /// <summary>A magnet link's metadata (or a v2 torrent's piece layers) arrived: keep it, so a restart does not fetch it again.</summary>
    private void OnMetadata(DaemonTorrent t, Torrent torrent, string what = "metadata")
    {
        lock (_sync)
        {
            t.Metainfo = torrent;
            t.MetainfoBytes = torrent.Encode();
            t.Touch(Time.GetUtcNow());
        }
        Save(t);
        _log.LogInformation("{What} of {Name} received ({Files} files)", what, t.Name, FileIndexMap.Of(torrent.Info).Count);
    }

    /// <summary>
    /// What a stopped torrent's data verifies (the caller holds a checker slot). A v2 .torrent added without (all) its piece
    /// layers first has them computed from complete data in the download folder; without them nothing can be verified yet.
    /// </summary>
    private async Task<Storage.Bitfield> CheckDataAsync(DaemonTorrent t, bool fullCheck, CancellationToken ct)
    {
        var info = t.Metainfo!.Info;
        if (!info.HasAllPieceHashes && !await ComputePieceLayersAsync(t, ct).ConfigureAwait(false)) return new Storage.Bitfield(info.PieceCount);
        return await _engine.CheckAsync(info, t.DownloadDir, p => t.CheckProgress = p, fullCheck, ct, t.Settings.Wanted, TorrentPaths.ForStorage(info, t.Settings))
            .ConfigureAwait(false);
    }

    private async Task<bool> ComputePieceLayersInSlotAsync(DaemonTorrent t, CancellationToken ct)
    {
        await _checkers.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            SetPhase(t, TorrentPhase.Checking);
            return await ComputePieceLayersAsync(t, ct).ConfigureAwait(false);
        }
        finally
        {
            _checkers.Release();
        }
    }

    /// <summary>
    /// Computes a v2 torrent's missing piece layers from its complete data in the download folder (the caller holds a checker
    /// slot) and keeps them with the torrent, so a restart needs neither this nor peers. False when they cannot be (data
    /// absent, incomplete or not this torrent's): they are then fetched from peers.
    /// </summary>
    private async Task<bool> ComputePieceLayersAsync(DaemonTorrent t, CancellationToken ct)
    {
        var info = t.Metainfo!.Info;
        try
        {
            var outcome = await LocalPieceLayers.ComputeAsync(info, t.DownloadDir, _engine.StorageOptions with { FilePaths = TorrentPaths.ForStorage(info, t.Settings) }, ct)
                .ConfigureAwait(false);
            if (!info.HasAllPieceHashes)
            {
                _log.LogInformation("piece layers of {Name} are fetched from peers: {Mismatched} files on disk are not its data, {Absent} are absent",
                    t.Name, outcome.Mismatched.Count, outcome.Absent.Count);
                return false;
            }
        }
        catch (Exception ex) when (IsLocalProblem(ex))
        {
            _log.LogInformation("piece layers of {Name} are fetched from peers: {Problem}", t.Name, ex.Message);
            return false;
        }
        OnMetadata(t, WithPieceLayers(t.Metainfo), "piece layers (computed from the data)");
        return true;
    }

    /// <summary>The .torrent as added, now carrying the piece layers its info learned (kept, so a restart needs no fetch).</summary>
    private static Torrent WithPieceLayers(Torrent m) =>
        new(m.Info, m.AnnounceTiers, m.Comment, m.CreatedBy, m.CreationDate, m.WebSeeds, m.Info.PieceLayers);

    /// <summary>The torrent to run: its trackers as edited by the user, if they were.</summary>
    private static Torrent WithTrackers(DaemonTorrent t) =>
        t.EditedTrackers is null ? t.Metainfo! : new Torrent(t.Metainfo!.Info, t.EditedTrackers, webSeeds: t.Metainfo.WebSeeds);

    private static MagnetLink MagnetWithTrackers(DaemonTorrent t) =>
        t.EditedTrackers is null ? t.Magnet! : new MagnetLink(t.Magnet!.InfoHashes, t.Magnet.DisplayName, t.EditedTrackers.SelectMany(x => x), t.Magnet.Peers,
            t.Magnet.ExactLength, t.Magnet.WebSeeds);

    /// <summary>Hands the running engine the torrent's settings (all of them: a change back to a default must reach it too).</summary>
    private void ApplyToEngine(DaemonTorrent t)
    {
        if (t.Engine is not { } engine) return;
        var s = t.Settings;
        int files = engine.Info.Files.Count;
        _engine.ApplyFileSelection(engine, [.. Enumerable.Range(0, files).Select(s.IsWanted)], [.. Enumerable.Range(0, files).Select(s.PriorityOf)]);
        _engine.ApplySequential(engine, s.Sequential);
        _engine.ApplyTorrentSpeedLimits(engine, s.UploadLimited ? s.UploadLimit * 1000 : null, s.DownloadLimited ? s.DownloadLimit * 1000 : null,
            s.HonorsSessionLimits, s.Group);
        _engine.ApplyPeerLimit(engine, s.PeerLimit);
    }

    private void SetPhase(DaemonTorrent t, TorrentPhase phase)
    {
        lock (_sync)
        {
            t.Phase = phase;
            t.Touch(Time.GetUtcNow());
        }
    }

    private static bool IsLocalProblem(Exception ex) =>
        ex is IOException or UnauthorizedAccessException or InvalidTorrentException or DiskFullException or ArgumentException
            or System.Net.Sockets.SocketException;
}
