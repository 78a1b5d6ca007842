using Microsoft.Extensions.Logging;
using Shoal.Daemon.Rpc;
using Shoal.Daemon.Torrents;
using Shoal.Metainfo;

namespace Shoal.Daemon.Session;

public sealed partial class DaemonSession
{
    public Task<AddResult> AddAsync(AddRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        Torrent? metainfo = null;
        if (request.Metainfo is { } bytes)
        {
            try { metainfo = Torrent.Parse(bytes); }
            catch (InvalidTorrentException ex) { throw new RpcException($"invalid or corrupt torrent file: {ex.Message}"); }
            catch (Bencoding.BencodeException ex) { throw new RpcException($"invalid or corrupt torrent file: {ex.Message}"); }
        }
        var magnet = request.Magnet;
        if (metainfo is null && magnet is null) throw new RpcException("no filename or metainfo specified");
        // A hybrid is known by its v1 hash (and answers in both swarms). A v2-only .torrent lacking piece layers (BEP 52 allows
        // it) gets them at its first check (CheckDataAsync) from complete data on disk, else from peers like a magnet's metadata.
        var infoHash = metainfo?.InfoHash ?? magnet!.InfoHash;
        var now = Time.GetUtcNow();
        Hosted hosted;
        lock (_sync)
        {
            if (_disposed) throw new RpcException("the daemon is shutting down");
            if (_byHash.TryGetValue(infoHash, out var existing)) return Task.FromResult(new AddResult(existing, Duplicate: true));
            var settings = _settings;
            bool paused = request.Paused ?? !settings.StartAddedTorrents;
            var t = new DaemonTorrent(_nextId++, infoHash)
            {
                Metainfo = metainfo,
                MetainfoBytes = request.Metainfo,
                Magnet = metainfo is null ? magnet : null,
                DownloadDir = Path.GetFullPath(request.DownloadDir ?? settings.DownloadDir),
                Settings = InitialSettings(request, settings, metainfo?.Info),
                Paused = paused,
                Phase = paused ? TorrentPhase.Stopped : TorrentPhase.Queued,
                QueuePosition = _byId.Count,
                AddedDate = now,
                ActivityDate = now,
                LastTransfer = now,
                AnyDate = now,
            };
            _sessionAdded++;
            hosted = new Hosted(this, t);
            _byId.Add(t.Id, hosted);
            _byHash.Add(infoHash, hosted);
        }
        int nextId;
        lock (_sync) nextId = _nextId;
        if (!hosted.Torrent.Removed) _store.Add(TorrentRecords.ToStored(hosted.Torrent), "next-id", new CounterValue(nextId));
        _log.LogInformation("added {Name} ({Hash}){Paused}", hosted.Torrent.Name, infoHash.ToHex(), hosted.Torrent.Paused ? ", paused" : "");
        if (request.SourceFile is { } source && Settings.TrashOriginalTorrentFiles) TryDelete(source);
        StartChecking(hosted.Torrent);
        return Task.FromResult(new AddResult(hosted, Duplicate: false));
    }

    /// <summary>
    /// A new .torrent to run has its data checked first whatever the queue (see <see cref="PlanQueue"/>): that starts at once,
    /// without walking every torrent on the reply's path; the queue is planned in the background. A magnet link waits
    /// for a download slot, so the queue is planned now.
    /// </summary>
    private void StartChecking(DaemonTorrent t)
    {
        bool check;
        lock (_sync)
        {
            check = !_disposed && !t.Removed && t.Phase == TorrentPhase.Queued && t.Metainfo is not null && t.Have is null;
            if (check)
            {
                t.Phase = TorrentPhase.CheckWait;
                t.Touch(Time.GetUtcNow());
            }
        }
        if (!check)
        {
            if (t.Phase != TorrentPhase.Stopped) PlanQueue(); // added paused: nothing to plan
            return;
        }
        RunInBackground(work => StartEngineAsync(t, work), $"starting {t.Name}");
    }

    private static TorrentSettings InitialSettings(AddRequest request, SessionSettings session, TorrentInfo? info)
    {
        var settings = new TorrentSettings
        {
            PeerLimit = request.PeerLimit ?? session.PeerLimitPerTorrent,
            BandwidthPriority = request.BandwidthPriority ?? 0,
            Labels = request.Labels ?? [],
            Sequential = request.Sequential ?? false,
        };
        // A magnet link's file list is unknown until its metadata arrives: its selection starts as "every file".
        if (info is null) return settings;
        var map = FileIndexMap.Of(info);
        // The request's indices are the RPC's (real files only); out-of-range ones are ignored, as before.
        IEnumerable<int> Files(IReadOnlyList<int> rpc) => map.ToInternal(rpc.Select(i => (long)i), out _);
        if (request.FilesUnwanted is { } unwanted) settings = settings.WithWanted(Files(unwanted), false, map);
        if (request.FilesWanted is { } wanted) settings = settings.WithWanted(Files(wanted), true, map);
        if (request.PriorityLow is { } low) settings = settings.WithPriority(Files(low), FilePriority.Low, map);
        if (request.PriorityNormal is { } normal) settings = settings.WithPriority(Files(normal), FilePriority.Normal, map);
        if (request.PriorityHigh is { } high) settings = settings.WithPriority(Files(high), FilePriority.High, map);
        return settings;
    }

    private void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _log.LogWarning("cannot delete the added .torrent {Path}: {Error}", path, ex.Message);
        }
    }

    /// <summary>One torrent's numbers now (the running engine's, else the last seen), in the RPC's terms.</summary>
    private TorrentSnapshot BuildSnapshot(DaemonTorrent t)
    {
        var now = Time.GetUtcNow();
        SessionSettings settings;
        lock (_sync) settings = _settings;
        var engine = t.Engine;
        var live = engine?.Progress();
        var info = t.Info;
        long total = info?.DataLength ?? 0;
        long have = live?.VerifiedBytes ?? t.VerifiedBytes;
        long sizeWhenDone = total, left = Math.Max(0, total - have);
        var settingsNow = t.Settings;
        if (info is not null && settingsNow.Wanted.Count > 0)
            (sizeWhenDone, left) = FileProgress.WhenDone(info, settingsNow.IsWanted, engine?.Have() ?? t.Have);
        var activity = t.Activity;
        bool downloading = activity == TorrentActivity.Downloading;
        long rateDown = live?.DownloadRate ?? 0;
        var idleLimit = IdleLimit(t, settings);
        bool seeding = activity == TorrentActivity.Seeding;
        return new TorrentSnapshot
        {
            Id = t.Id,
            InfoHash = t.InfoHash,
            Name = t.Name,
            Metainfo = t.Metainfo,
            MagnetLink = (t.Metainfo is { } m ? MagnetLink.FromTorrent(m) : t.Magnet!).ToString(),
            DownloadDir = t.DownloadDir,
            Settings = t.Settings,
            TrackerTiers = t.TrackerTiers,
            Activity = activity,
            Error = t.LocalError is null ? TorrentErrorKind.None : TorrentErrorKind.Local,
            ErrorString = t.LocalError ?? "",
            AddedDate = t.AddedDate.ToUnixTimeSeconds(),
            DoneDate = t.DoneDate?.ToUnixTimeSeconds() ?? 0,
            ActivityDate = t.ActivityDate?.ToUnixTimeSeconds() ?? 0,
            StartDate = t.StartDate?.ToUnixTimeSeconds() ?? 0,
            EditDate = t.EditDate?.ToUnixTimeSeconds() ?? 0,
            TotalSize = total,
            HaveValid = have,
            SizeWhenDone = sizeWhenDone,
            LeftUntilDone = left,
            // Bytes we lack that connected peers have: exact when a seed is connected, otherwise unknown to the engine (0).
            DesiredAvailable = engine is not null && engine.Peers().Any(p => p.IsSeed) ? left : 0,
            UploadedEver = t.UploadedBefore + (live?.Uploaded ?? 0),
            DownloadedEver = t.DownloadedBefore + (live?.Downloaded ?? 0),
            CorruptEver = t.CorruptBefore + (live?.Wasted ?? 0),
            RateDownload = rateDown,
            RateUpload = live?.UploadRate ?? 0,
            PeersConnected = live?.PeersConnected ?? 0,
            PeersKnown = live?.KnownPeers ?? 0,
            PeersSendingToUs = live?.PeersSendingToUs ?? 0,
            WebSeedsSendingToUs = live?.WebSeedsSendingToUs ?? 0,
            PeersGettingFromUs = live?.PeersGettingFromUs ?? 0,
            PeersFrom = live?.From ?? default,
            RecheckProgress = activity == TorrentActivity.Verifying ? t.CheckProgress : 0,
            MetadataPercentComplete = info is { HasAllPieceHashes: true } ? 1 : t.MetadataProgress, // a v2 .torrent's missing piece layers are fetched as metadata
            SecondsDownloading = t.SecondsDownloading,
            SecondsSeeding = t.SecondsSeeding,
            QueuePosition = t.QueuePosition,
            IsFinished = t.IsFinished,
            IsStalled = IsStalled(t, settings, now),
            Eta = !downloading || info is null ? -1 : rateDown > 0 ? left / rateDown : -2,
            EtaIdle = seeding && idleLimit is { } idle ? Math.Max(0, (long)(idle - (now - t.LastTransfer)).TotalSeconds) : -1,
            UploadRatio = t.Ratio,
            EffectiveRatioLimit = RatioLimit(t, settings),
        };
    }
}
