using System.Net;
using Shoal.Metainfo;
using Shoal.Storage;
using Shoal.Swarm;

namespace Shoal.Client;

public sealed partial class ShoalClient
{
    /// <summary>What is announced as 'left' before the metadata arrives (the size is unknown; 0 would mean "seed").</summary>
    public const long UnknownLeft = TorrentSession.UnknownLeft;

    /// <summary>
    /// Starts a magnet link's torrent and returns it at once: it announces to <paramref name="trackers"/>, dials
    /// <paramref name="peers"/> (and peers found by LSD), fetches the metadata over those connections (BEP 9, verified
    /// against the info-hash), then opens storage under <paramref name="downloadDirectory"/> and downloads over the same
    /// connections. Watch <see cref="ManagedTorrent.MetadataReceived"/> and <see cref="ManagedTorrent.Ready"/>.
    /// </summary>
    public ManagedTorrent AddMagnet(InfoHash infoHash, IReadOnlyList<IReadOnlyList<string>> trackers, IEnumerable<IPEndPoint> peers,
        string downloadDirectory, IProgress<RecheckProgress>? recheck = null, string? displayName = null) =>
        AddMagnet(new InfoHashes(infoHash), trackers, peers, downloadDirectory, recheck, displayName);

    /// <param name="hashes">The link's hashes: with only a v2 hash the piece layers are fetched from peers after the
    /// metadata; with both (a hybrid) the torrent is in both swarms from the start.</param>
    private ManagedTorrent AddMagnet(InfoHashes hashes, IReadOnlyList<IReadOnlyList<string>> trackers, IEnumerable<IPEndPoint> peers,
        string downloadDirectory, IProgress<RecheckProgress>? recheck, string? displayName)
    {
        ArgumentNullException.ThrowIfNull(trackers);
        ArgumentNullException.ThrowIfNull(peers);
        ArgumentNullException.ThrowIfNull(downloadDirectory);
        var session = Engine.AddMagnet(hashes);
        var managed = new ManagedTorrent(this, session, trackers, displayName,
            async (info, ct) => await FileStorage.OpenAsync(info, downloadDirectory, Options.Storage, recheck, ct).ConfigureAwait(false));
        // Private or not is unknown until the metadata arrives: LSD is dropped then if it is.
        Track(managed, lsd: true);
        session.AddPeers(peers, PeerSource.Manual);
        return managed;
    }

    /// <summary>
    /// <see cref="AddMagnet(InfoHash, IReadOnlyList{IReadOnlyList{string}}, IEnumerable{IPEndPoint}, string, IProgress{RecheckProgress}?, string?)"/>
    /// for a parsed link: each 'tr' is a tier of its own (announced to in parallel, as libtorrent does), 'x.pe' peers are
    /// dialled (host names resolved in the background; ones that do not resolve are skipped), and <paramref name="extraPeers"/> (--peer) too.
    /// Its 'ws' web seeds are used once the metadata has arrived; a link is something the user gives, so they may be on
    /// this machine or the LAN (see <see cref="ManagedTorrent.AddWebSeeds"/>): leave them out of the link to not use them.
    /// </summary>
    public ManagedTorrent AddMagnet(MagnetLink link, string downloadDirectory, IEnumerable<IPEndPoint>? extraPeers = null,
        IProgress<RecheckProgress>? recheck = null)
    {
        ArgumentNullException.ThrowIfNull(link);
        var peers = new List<IPEndPoint>(extraPeers ?? []);
        peers.AddRange(link.Peers.OfType<IPEndPoint>());
        IReadOnlyList<IReadOnlyList<string>> tiers = [.. link.Trackers.Select(t => (IReadOnlyList<string>)[t])];
        var managed = AddMagnet(link.InfoHashes, tiers, peers, downloadDirectory, recheck, link.DisplayName);
        foreach (var named in link.Peers.OfType<DnsEndPoint>()) _ = ResolveIntoAsync(managed, named);
        managed.AddWebSeeds(link.WebSeeds, fromUser: true);
        return managed;
    }

    /// <summary>
    /// Downloads from a magnet link as <see cref="AddMagnet(InfoHash, IReadOnlyList{IReadOnlyList{string}}, IEnumerable{IPEndPoint}, string, IProgress{RecheckProgress}?, string?)"/>
    /// does, returning once the metadata is in and storage is open. Cancelling before then (or disposing the client)
    /// stops the torrent; an error opening the storage is thrown.
    /// </summary>
    public Task<ManagedTorrent> AddMagnetAsync(InfoHash infoHash, IReadOnlyList<IReadOnlyList<string>> trackers, IEnumerable<IPEndPoint> peers,
        string downloadDirectory, IProgress<MetadataProgress>? metadataProgress = null, IProgress<RecheckProgress>? recheck = null,
        CancellationToken ct = default) =>
        WhenReadyAsync(AddMagnet(infoHash, trackers, peers, downloadDirectory, recheck), metadataProgress, ct);

    /// <summary>As <see cref="AddMagnet(MagnetLink, string, IEnumerable{IPEndPoint}?, IProgress{RecheckProgress}?)"/>, returning once storage is open.</summary>
    public Task<ManagedTorrent> AddMagnetAsync(MagnetLink link, string downloadDirectory, IEnumerable<IPEndPoint>? extraPeers = null,
        IProgress<MetadataProgress>? metadataProgress = null, IProgress<RecheckProgress>? recheck = null, CancellationToken ct = default) =>
        WhenReadyAsync(AddMagnet(link, downloadDirectory, extraPeers, recheck), metadataProgress, ct);

    /// <summary>
    /// As <see cref="AddAsync"/> for a v2 torrent lacking piece layers, returning once peers supplied them and storage is
    /// open (<paramref name="storage"/>: how, null for the client's options; <paramref name="progress"/> reports the hash
    /// fetch as a magnet's metadata). Cancelling before then stops the torrent.
    /// </summary>
    public Task<ManagedTorrent> AddFetchingLayersAsync(TorrentInfo info, IReadOnlyList<IReadOnlyList<string>> trackers, string downloadDirectory,
        StorageOptions? storage = null, IProgress<MetadataProgress>? progress = null, IProgress<RecheckProgress>? recheck = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(trackers);
        ArgumentNullException.ThrowIfNull(downloadDirectory);
        return WhenReadyAsync(AddFetchingLayers(info, trackers, downloadDirectory, storage ?? Options.Storage, recheck), progress, ct);
    }

    private async Task<ManagedTorrent> WhenReadyAsync(ManagedTorrent managed, IProgress<MetadataProgress>? progress, CancellationToken ct)
    {
        Action<MetadataProgress>? report = progress is null ? null : progress.Report;
        if (report is not null) managed.Session.MetadataProgressChanged += report;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _disposing.Token);
        try
        {
            await managed.Ready.WaitAsync(linked.Token).ConfigureAwait(false);
            return managed;
        }
        catch
        {
            await managed.StopAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            if (report is not null) managed.Session.MetadataProgressChanged -= report;
        }
    }

    private static async Task ResolveIntoAsync(ManagedTorrent torrent, DnsEndPoint peer)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            var addresses = await Dns.GetHostAddressesAsync(peer.Host, timeout.Token).ConfigureAwait(false);
            torrent.AddPeers(addresses.Select(a => new IPEndPoint(a, peer.Port)));
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or OperationCanceledException or ArgumentException) { }
    }
}
