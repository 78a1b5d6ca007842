namespace Shoal.Swarm;

public sealed partial class TorrentSession
{
    /// <summary>How verification outcomes reach the torrent's events and completion.</summary>
    private sealed class ProgressEvents(TorrentSession session) : ITorrentProgress
    {
        public void PieceVerified(int piece) => Raise(() => session.PieceVerified?.Invoke(piece), nameof(PieceVerified));

        public void Completed()
        {
            session._completed.TrySetResult();
            Raise(() => session.Completed?.Invoke(), nameof(Completed));
        }

        // Subscribers run on the writer task: one that throws fails the torrent with its message (what it did is
        // unknown), but never ends the writer and leaves the download hanging. Verified pieces stay verified.
        private void Raise(Action handlers, string name)
        {
            try { handlers(); }
            catch (Exception ex) { session._outcomes.Fail(new InvalidOperationException($"a {name} handler failed: {ex.Message}", ex)); }
        }

        public void Failed(Exception error) => session._completed.TrySetException(error);
    }

    public TorrentStatus GetStatus()
    {
        MetadataProgress? metadata = HasMetadata ? null : MetadataProgress;
        lock (_swarm.Sync)
        {
            var peers = _swarm.Peers.Select(p => new PeerStatus(p.ListenEndPoint ?? p.RemoteEndPoint, p.ClientName, p.IsIncoming, p.IsSeed,
                p.Availability.Bits is { Count: > 0 } have ? (double)have.SetCount / have.Count : 0, p.DownloadRate.BytesPerSecond, p.UploadRate.BytesPerSecond,
                p.AmChoking, p.AmInterested, p.PeerChoking, p.PeerInterested, p.IsSnubbed, SourceOf(p), p.Requests.Count, p.QueuedUploads,
                p.Transport, p.IsEncrypted, p.QueuedBytes, p.IsObfuscated)).ToList();
            var info = _swarm.Info;
            var webSeeds = _webSeeds.Status();
            return new TorrentStatus(State, info?.DataLength ?? 0, VerifiedBytes(), _swarm.Picker?.Have.SetCount ?? 0, info?.PieceCount ?? 0,
                peers.Sum(p => p.DownloadRate) + webSeeds.Sum(w => w.DownloadRate), peers.Sum(p => p.UploadRate), Downloaded, Uploaded,
                Interlocked.Read(ref _swarm.Wasted), _swarm.HashFailures, peers, _swarm.Book.Count, _swarm.Error?.Message, metadata)
            {
                WebSeeds = webSeeds,
            };
        }
    }

    private TorrentState State =>
        _swarm.Error is not null ? TorrentState.Error :
        _swarm.Stopped ? TorrentState.Stopped :
        _swarm.Paused ? TorrentState.Paused :
        _swarm.Info is null ? TorrentState.FetchingMetadata :
        _swarm.Picker is null ? TorrentState.Checking :
        _swarm.Picker.IsFinished ? TorrentState.Seeding : TorrentState.Downloading;

    /// <summary>Where the address of a connected peer came from (lock held).</summary>
    private PeerSource? SourceOf(PeerConnection peer)
    {
        var endPoint = peer.ListenEndPoint ?? peer.RemoteEndPoint;
        return _swarm.Book.Get(endPoint)?.Source ?? (peer.IsIncoming ? PeerSource.Incoming : null);
    }
}
