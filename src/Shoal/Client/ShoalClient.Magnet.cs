using System.Net;
using Shoal.Metainfo;
using Shoal.Storage;
using Shoal.Swarm;
using Shoal.Trackers;

namespace Shoal.Client;

public sealed partial class ShoalClient
{
    /// <summary>What libtorrent announces as 'left' before it has the metadata (the size is unknown; 0 would mean "seed").</summary>
    public const long UnknownLeft = 16 * 1024;

    /// <summary>
    /// Downloads from a magnet link: finds peers (the link's trackers, its x.pe peers and any given by hand, LSD when
    /// enabled), fetches the info dictionary from them (BEP 9, verified against <paramref name="infoHash"/>), then opens
    /// storage under <paramref name="downloadDirectory"/> and continues as a normal download. The trackers keep announcing
    /// across the switch. Cancelling before the metadata arrives (or disposing the client) stops everything it started.
    /// </summary>
    public async Task<ManagedTorrent> AddMagnetAsync(InfoHash infoHash, IReadOnlyList<IReadOnlyList<string>> trackers, IEnumerable<IPEndPoint> peers,
        string downloadDirectory, IProgress<MetadataProgress>? metadataProgress = null, IProgress<RecheckProgress>? recheck = null,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(trackers);
        ArgumentNullException.ThrowIfNull(peers);
        if (Engine.Torrents.Any(t => t.InfoHash == infoHash)) throw new InvalidOperationException($"torrent {infoHash} is already added");
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _disposing.Token);
        ct = linked.Token;
        await using var fetcher = MetadataFetcher.ForEngine(Engine, infoHash, Options.Metadata);
        fetcher.AddPeers(peers, PeerSource.Manual);
        var route = new MagnetRoute(this, infoHash, fetcher);
        AnnounceScheduler? scheduler = null;
        IDisposable? lsd = null;
        bool handedOver = false;
        try
        {
            if (trackers.Any(t => t.Count > 0))
            {
                scheduler = new AnnounceScheduler(trackers, route.BuildRequest, Options.Trackers, Options.Time,
                    Options.Loggers?.CreateLogger("Shoal.Trackers"));
                scheduler.PeersDiscovered += found => route.AddPeers(found, PeerSource.Tracker);
                scheduler.Start();
            }
            // Private or not is unknown until the metadata arrives; a magnet link names no private torrent's peers by LSD afterwards.
            if (Lsd is not null) lsd = Lsd.Register(infoHash, peer => route.AddPeers([peer], PeerSource.LocalDiscovery));
            var info = await fetcher.FetchAsync(metadataProgress, ct).ConfigureAwait(false);
            lsd?.Dispose();
            lsd = null;
            var storage = await FileStorage.OpenAsync(info, downloadDirectory, Options.Storage, recheck, ct).ConfigureAwait(false);
            var managed = AddCore(info, storage, trackers, scheduler);
            handedOver = true;
            route.SwitchTo(managed);
            return managed;
        }
        finally
        {
            lsd?.Dispose();
            if (!handedOver && scheduler is not null)
            {
                await scheduler.StopAsync(TimeSpan.FromSeconds(3)).ConfigureAwait(false);
                await scheduler.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// <see cref="AddMagnetAsync(InfoHash, IReadOnlyList{IReadOnlyList{string}}, IEnumerable{IPEndPoint}, string, IProgress{MetadataProgress}?, IProgress{RecheckProgress}?, CancellationToken)"/>
    /// for a parsed link: each 'tr' is a tier of its own (announced to in parallel, as libtorrent does), 'x.pe' peers are
    /// dialled (host names resolved; ones that do not resolve are skipped), and <paramref name="extraPeers"/> (--peer) too.
    /// </summary>
    public async Task<ManagedTorrent> AddMagnetAsync(MagnetLink link, string downloadDirectory, IEnumerable<IPEndPoint>? extraPeers = null,
        IProgress<MetadataProgress>? metadataProgress = null, IProgress<RecheckProgress>? recheck = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(link);
        var peers = new List<IPEndPoint>(extraPeers ?? []);
        foreach (var peer in link.Peers)
        {
            if (peer is IPEndPoint ip) peers.Add(ip);
            else if (peer is DnsEndPoint dns) peers.AddRange(await ResolveAsync(dns, ct).ConfigureAwait(false));
        }
        IReadOnlyList<IReadOnlyList<string>> tiers = [.. link.Trackers.Select(t => (IReadOnlyList<string>)[t])];
        return await AddMagnetAsync(link.InfoHash, tiers, peers, downloadDirectory, metadataProgress, recheck, ct).ConfigureAwait(false);
    }

    private static async Task<IEnumerable<IPEndPoint>> ResolveAsync(DnsEndPoint peer, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            var addresses = await Dns.GetHostAddressesAsync(peer.Host, timeout.Token).ConfigureAwait(false);
            return addresses.Select(a => new IPEndPoint(a, peer.Port));
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return [];
        }
    }

    /// <summary>Where a magnet's announces and discovered peers go: the fetcher until the metadata is in, then the torrent.</summary>
    private sealed class MagnetRoute(ShoalClient client, InfoHash infoHash, MetadataFetcher fetcher)
    {
        private readonly Lock _sync = new();
        private ManagedTorrent? _torrent;

        public AnnounceRequest BuildRequest()
        {
            ManagedTorrent? torrent;
            lock (_sync) torrent = _torrent;
            if (torrent is not null) return torrent.BuildRequest();
            var options = client.Options;
            return new AnnounceRequest(infoHash, client.Engine.PeerId, client.ListenPort, 0, 0, UnknownLeft, AnnounceEvent.None,
                options.NumWant, options.AnnounceAddress?.ToString());
        }

        public void AddPeers(IReadOnlyList<IPEndPoint> peers, PeerSource source)
        {
            ManagedTorrent? torrent;
            lock (_sync) torrent = _torrent;
            if (torrent is not null) torrent.Session.AddPeers(peers, source);
            else fetcher.AddPeers(peers, source);
        }

        /// <summary>From now on peers go to the torrent, which also gets every address the fetcher heard of.</summary>
        public void SwitchTo(ManagedTorrent torrent)
        {
            lock (_sync) _torrent = torrent;
            foreach (var group in fetcher.KnownPeers.GroupBy(p => p.Source))
                torrent.Session.AddPeers(group.Select(p => p.EndPoint), group.Key);
        }
    }
}
