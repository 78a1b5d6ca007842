using System.Net;
using Shoal.Metainfo;
using Shoal.Wire;

namespace Shoal.Swarm;

public sealed partial class TorrentSession
{
    /// <summary>The torrent as its extensions see it (<see cref="IExtensionHost"/>, and the metadata exchange's hand-over).</summary>
    private sealed class Host(TorrentSession session) : IMetadataHost
    {
        public InfoHash InfoHash => session.InfoHash;

        public TimeProvider Time => session._swarm.Time;

        public TorrentInfo? Info => session._swarm.Info;

        public void AddPeers(IEnumerable<IPEndPoint> endPoints, PeerSource source, IPAddress? reportedBy) => session.AddPeers(endPoints, source, reportedBy);

        public void AddExchangedPeers(IEnumerable<PexPeer> peers, IPAddress? reportedBy) => session.AddExchangedPeers(peers, reportedBy);

        public IReadOnlyList<PeerContact> ConnectedPeers()
        {
            var swarm = session._swarm;
            lock (swarm.Sync)
            {
                var result = new List<PeerContact>(swarm.Peers.Count);
                foreach (var peer in swarm.Peers)
                    if (!peer.IsClosed) result.Add(new PeerContact(peer, peer.ListenEndPoint, peer.IsSeed, peer.IsIncoming, peer.Transport, peer.IsObfuscated));
                return result;
            }
        }

        public void Ban(IExtensionPeer peer, string reason)
        {
            lock (session._swarm.Sync) session._outcomes.Ban((PeerConnection)peer, reason);
        }

        public void OnMetadata(TorrentInfo info) => session.OnMetadata(info);

        public void OnMetadataInvalid(InvalidTorrentException error) => session.Fail(error);

        public void OnMetadataProgress() => session.ReportMetadataProgress();
    }

    /// <summary>How the metadata fetch is going.</summary>
    public MetadataProgress MetadataProgress
    {
        get
        {
            var (withMetadata, received, total, failed) = _metadata.FetchProgress;
            lock (_swarm.Sync)
            {
                if (_swarm.Info is { } info) return new MetadataProgress(_swarm.Book.Count, _swarm.Peers.Count, withMetadata, info.RawInfo.Length, info.RawInfo.Length, failed);
                int known = _swarm.Book.Entries.Count(e => !e.Banned && !e.IsSelf);
                return new MetadataProgress(known, _swarm.Peers.Count, withMetadata, received, total, failed);
            }
        }
    }

    /// <summary>Addresses banned for this torrent (every port of each).</summary>
    public IReadOnlyCollection<IPAddress> BannedAddresses
    {
        get
        {
            lock (_swarm.Sync) return _swarm.Book.BannedAddresses;
        }
    }

    /// <summary>Every usable address heard of, with where it came from.</summary>
    public IReadOnlyList<(IPEndPoint EndPoint, PeerSource Source)> KnownPeers
    {
        get
        {
            lock (_swarm.Sync) return [.. _swarm.Book.Entries.Where(e => !e.Banned && !e.IsSelf).Select(e => (e.EndPoint, e.Source))];
        }
    }

    private void ReportMetadataProgress()
    {
        if (MetadataProgressChanged is { } handler) handler(MetadataProgress);
    }

    private void SetInfo(TorrentInfo info)
    {
        _swarm.Info = info;
        _dispatch.SetPieceCount(info.PieceCount, info.HasV2);
        StartHashExchange(info);
        _metadataReceived.TrySetResult(info);
    }

    /// <summary>
    /// A v2 or hybrid torrent answers peers' hash requests; a v2-only one speaks v2 in its handshakes, and when its piece
    /// layers are missing (a magnet link's) fetches them from peers before the metadata counts as received (storage is
    /// opened then, and nothing can be verified without them). Returns true when the layers are being fetched.
    /// </summary>
    private bool StartHashExchange(TorrentInfo info)
    {
        if (!info.HasV2) return false;
        _swarm.SpeaksV2 |= !info.HasV1;
        _swarm.Hashes = new V2.HashExchange(info, _swarm.Time, (peer, reason) => _outcomes.Ban(peer, reason), () =>
        {
            ReportMetadataProgress();
            _metadataReceived.TrySetResult(info);
        });
        return !info.HasV1 && _swarm.Hashes.IsFetching;
    }

    /// <summary>
    /// Verified metadata arrived: messages are checked against the piece count from now on, every peer gets our new
    /// extension handshake (with metadata_size, and ut_pex if the torrent is public) and the allowed-fast set; the
    /// download starts once storage is attached.
    /// </summary>
    private void OnMetadata(TorrentInfo info)
    {
        bool fetchingLayers;
        lock (_swarm.Sync)
        {
            if (_swarm.Info is not null || _swarm.Stopped) return;
            _swarm.Info = info;
            _dispatch.SetPieceCount(info.PieceCount, info.HasV2);
            fetchingLayers = StartHashExchange(info);
            foreach (var peer in _swarm.Peers)
            {
                ResolveAvailability(peer, info.PieceCount);
                if (peer.IsClosed) continue;
                if (peer.Reserved.SupportsExtensionProtocol) peer.Send(new Outgoing(MessageId.Extended, Index: 0, Payload: BuildExtensionHandshake(peer).Encode()));
                if (peer.SupportsFast) SendAllowedFast(peer, info.PieceCount);
            }
            if (fetchingLayers) _swarm.Hashes!.Fill(_swarm.Peers);
        }
        ReportMetadataProgress();
        if (!fetchingLayers) _metadataReceived.TrySetResult(info);
    }
}
