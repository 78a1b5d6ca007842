using System.Net;
using Shoal.Metainfo;
using Shoal.Storage;
using Shoal.Swarm;
using Shoal.Trackers;

namespace Shoal.Client;

/// <summary>A torrent being shared by a <see cref="ShoalClient"/>: its session, storage and trackers together.</summary>
public sealed class ManagedTorrent
{
    private readonly ShoalClient _client;
    private readonly AnnounceScheduler? _trackers;
    private readonly bool _trackersRunning;
    private Task? _stopTask;

    /// <param name="adoptedTrackers">A scheduler already announcing for this torrent (a magnet link's, started while its metadata
    /// was fetched), whose requests and peers its owner now routes to this torrent; null to create one from <paramref name="trackers"/>.</param>
    internal ManagedTorrent(ShoalClient client, TorrentSession session, IPieceStorage storage, IReadOnlyList<IReadOnlyList<string>> trackers,
        AnnounceScheduler? adoptedTrackers = null)
    {
        _client = client;
        Session = session;
        Storage = storage;
        AnnounceTiers = trackers;
        if (adoptedTrackers is not null)
        {
            _trackers = adoptedTrackers;
            _trackersRunning = true;
        }
        else if (trackers.Any(t => t.Count > 0))
        {
            _trackers = new AnnounceScheduler(trackers, BuildRequest, client.Options.Trackers, client.Options.Time,
                client.Options.Loggers?.CreateLogger("Shoal.Trackers"));
            _trackers.PeersDiscovered += peers => Session.AddPeers(peers, PeerSource.Tracker);
        }
        Session.Completed += () => _trackers?.AnnounceNow(AnnounceEvent.Completed);
    }

    public TorrentSession Session { get; }

    public IPieceStorage Storage { get; }

    public TorrentInfo Info => Session.Info;

    /// <summary>The TCP port peers reach us on (announced to trackers).</summary>
    public int ListenPort => _client.ListenPort;

    /// <summary>Completes when every piece has verified; faults on a storage error.</summary>
    public Task Completion => Session.Completion;

    public TorrentStatus Status => Session.GetStatus();

    public IReadOnlyList<TrackerStatus> Trackers => _trackers?.Status ?? [];

    /// <summary>The tracker tiers this torrent was added with.</summary>
    public IReadOnlyList<IReadOnlyList<string>> AnnounceTiers { get; }

    /// <summary>A .torrent for what is shared (its info dictionary byte for byte, and its trackers), e.g. to save a magnet's metadata.</summary>
    public Torrent ToTorrent() => new(Info, AnnounceTiers);

    /// <summary>Adds peer addresses given by hand (<c>--peer</c>).</summary>
    public void AddPeers(IEnumerable<IPEndPoint> peers) => Session.AddPeers(peers, PeerSource.Manual);

    /// <summary>Asks every tracker for more peers as soon as its min interval allows (a user's "re-announce").</summary>
    public void Reannounce() => _trackers?.AnnounceNow();

    /// <summary>This torrent's LSD registration, if LSD runs (disposed at stop).</summary>
    internal IDisposable? LocalDiscovery { get; set; }

    internal void Start()
    {
        if (!_trackersRunning) _trackers?.Start();
    }

    /// <summary>Announces 'stopped' (briefly), stops the session and closes storage (saving the resume record).</summary>
    public ValueTask StopAsync()
    {
        lock (this) _stopTask ??= StopCoreAsync();
        return new ValueTask(_stopTask);
    }

    private async Task StopCoreAsync()
    {
        _client.Forget(this);
        LocalDiscovery?.Dispose();
        await Session.DisposeAsync().ConfigureAwait(false);
        if (_trackers is not null)
        {
            await _trackers.StopAsync(TimeSpan.FromSeconds(3)).ConfigureAwait(false);
            await _trackers.DisposeAsync().ConfigureAwait(false);
        }
        await Storage.DisposeAsync().ConfigureAwait(false);
    }

    internal AnnounceRequest BuildRequest()
    {
        var options = _client.Options;
        return new AnnounceRequest(Info.InfoHash, _client.Engine.PeerId, _client.ListenPort, Session.Uploaded, Session.Downloaded,
            Session.Left, AnnounceEvent.None, options.NumWant, options.AnnounceAddress?.ToString());
    }
}
