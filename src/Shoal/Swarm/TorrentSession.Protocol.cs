using System.Buffers;
using Shoal.Storage;
using Shoal.Wire;

namespace Shoal.Swarm;

public sealed partial class TorrentSession
{
    internal void OnPeerChoked(PeerConnection peer)
    {
        lock (Sync)
        {
            peer.PeerChoking = true;
            // Even under the fast extension, requests for pieces outside the allowed-fast set will be rejected: re-issue them elsewhere.
            peer.Requests.RemoveWhere(r => !peer.AllowedFastForUs.Contains(r.Piece), r => _picker.Release(r.Piece, r.Begin));
            RefillAllPeers();
        }
    }

    internal void OnPeerUnchoked(PeerConnection peer)
    {
        lock (Sync)
        {
            peer.PeerChoking = false;
            FillRequests(peer);
        }
    }

    internal void OnPeerInterest(PeerConnection peer, bool interested)
    {
        lock (Sync)
        {
            peer.PeerInterested = interested;
            // Don't make a newcomer wait for the next choke round when a slot is free.
            if (interested && peer.AmChoking && UnchokedCount() < Settings.UploadSlots + 1) SetChoking(peer, false);
        }
    }

    internal void OnHave(PeerConnection peer, int piece)
    {
        lock (Sync)
        {
            if (peer.Have[piece]) return;
            peer.Have[piece] = true;
            _picker.PeerHas(piece);
            if (!_picker.Have[piece])
            {
                peer.WantedPieces++;
                UpdateInterest(peer);
                FillRequests(peer);
            }
            if (peer.IsSeed && _picker.IsComplete) peer.Close("both seeding");
        }
    }

    internal void OnBitfield(PeerConnection peer, Bitfield bitfield)
    {
        lock (Sync)
        {
            if (peer.Have.SetCount > 0) _picker.PeerBitfield(peer.Have, -1);
            peer.SetHave(bitfield);
            _picker.PeerBitfield(bitfield, +1);
            peer.WantedPieces = CountWanted(bitfield);
            if (peer.IsSeed && _picker.IsComplete)
            {
                peer.Close("both seeding");
                return;
            }
            UpdateInterest(peer);
            FillRequests(peer);
        }
    }

    internal void OnExtensionHandshake(PeerConnection peer)
    {
        lock (Sync)
        {
            if (peer.ListenEndPoint is { } listen && peer.IsIncoming) _book.GetOrAdd(listen, PeerSource.Incoming).Connected = true;
        }
        Extensions.OnHandshake(peer);
    }

    internal void OnBlock(PeerConnection peer, int piece, int begin, ReadOnlySequence<byte> data)
    {
        PieceDownload? completed;
        lock (Sync)
        {
            bool requested = peer.Requests.Remove(piece, begin);
            if (requested) peer.IsSnubbed = false;
            var outcome = _picker.Accept(peer, piece, begin, data, out completed);
            if (outcome == BlockOutcome.Unwanted)
            {
                Interlocked.Add(ref _wasted, data.Length);
            }
            else
            {
                Interlocked.Add(ref _downloaded, data.Length);
                if (_picker.InEndgame || completed is not null) CancelDuplicates(peer, piece, begin, (int)data.Length);
            }
        }
        if (completed is not null) _verifier.Enqueue(completed);
    }

    internal void OnReject(PeerConnection peer, int piece, int begin)
    {
        lock (Sync)
        {
            if (peer.Requests.Remove(piece, begin)) _picker.Release(piece, begin);
        }
    }

    /// <summary>Whether we upload the piece to this peer now (we have it and it is unchoked or the piece is allowed-fast).</summary>
    internal bool CanServe(PeerConnection peer, int piece)
    {
        lock (Sync) return _picker.Have[piece] && !peer.AmChoking;
    }

    internal void Refill(PeerConnection peer)
    {
        lock (Sync) FillRequests(peer);
    }

    /// <summary>Keeps the peer's request pipeline full: deeper for faster peers, one block for snubbed ones.</summary>
    private void FillRequests(PeerConnection peer)
    {
        if (peer.IsClosed || !peer.AmInterested || peer.PeerChoking || _error is not null) return;
        int want = TargetQueueDepth(peer) - peer.Requests.Count;
        if (want <= 0) return;
        Span<BlockRequest> picks = stackalloc BlockRequest[Math.Min(want, 256)];
        int n = _picker.Pick(peer, picks);
        long now = Time.GetTimestamp();
        for (int i = 0; i < n; i++)
        {
            var request = picks[i];
            peer.Requests.Add(request, now);
            peer.Enqueue(new Outgoing(MessageId.Request, request.Piece, request.Begin, request.Length));
        }
    }

    private int TargetQueueDepth(PeerConnection peer)
    {
        if (peer.IsSnubbed) return 1;
        int cap = Math.Min(Settings.MaxRequestsPerPeer, peer.Extensions?.RequestQueueDepth ?? 250);
        // Enough requests to cover half a second at the peer's current rate: deeper queues at a slow (capped) seeder make
        // every leecher hold requests for many pieces there, and two leechers often end up fetching the same ones.
        double rateBlocks = peer.DownloadRate.BytesPerSecond * 0.5 / BlockRequest.BlockSize;
        return Math.Clamp((int)rateBlocks, Math.Min(Settings.MinRequestsPerPeer, cap), cap);
    }

    private void RefillAllPeers()
    {
        foreach (var peer in _peers) FillRequests(peer);
    }

    private void UpdateInterest(PeerConnection peer)
    {
        bool interested = peer.WantedPieces > 0 && _error is null;
        if (interested == peer.AmInterested) return;
        peer.AmInterested = interested;
        peer.Enqueue(new Outgoing(interested ? MessageId.Interested : MessageId.NotInterested));
        if (!interested) peer.Requests.Clear(r => _picker.Release(r.Piece, r.Begin));
    }

    private int CountWanted(Bitfield peerHave)
    {
        var have = _picker.Have;
        int wanted = 0;
        for (int p = 0; p < peerHave.Count; p++)
            if (peerHave[p] && !have[p]) wanted++;
        return wanted;
    }

    /// <summary>In endgame, a block may be requested from several peers: tell the others it arrived.</summary>
    private void CancelDuplicates(PeerConnection receivedFrom, int piece, int begin, int length)
    {
        foreach (var other in _peers)
        {
            if (ReferenceEquals(other, receivedFrom) || !other.Requests.Remove(piece, begin)) continue;
            other.Enqueue(new Outgoing(MessageId.Cancel, piece, begin, length));
        }
    }
}
