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
            _picker.PeerHas(piece, peer.Have);
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
            if (peer.Have.SetCount > 0) _picker.RemovePeer(peer.Have);
            peer.SetHave(bitfield);
            _picker.AddPeer(bitfield);
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
            // A seed refusing a piece it has is sending it elsewhere: fetch it from that peer once it has it.
            if (peer.IsSeed) peer.AvoidFromNow(piece);
        }
    }

    /// <summary>
    /// Whether to upload a requested piece now: only if we have it and the peer is unchoked; and, while we seed, not if
    /// the piece is already on its way to another peer — then the request is refused and an unclaimed piece suggested
    /// (a second ask for the same piece is served, so a peer that ignores suggestions is never starved).
    /// </summary>
    internal UploadDecision DecideUpload(PeerConnection peer, int piece, out int suggestion)
    {
        suggestion = -1;
        lock (Sync)
        {
            if (!_picker.Have[piece] || peer.AmChoking) return UploadDecision.Refuse;
            if (!_picker.IsComplete || !peer.SupportsFast) return UploadDecision.Serve;
            long now = Time.GetTimestamp();
            // A claim lasts a few seconds: long enough for a piece to arrive and be announced, short enough that a slow
            // or silent peer never holds one back.
            _assignments ??= new UploadAssignments(Info.PieceCount, _random, 3 * Time.TimestampFrequency);
            if (_assignments.TryClaim(piece, peer, now) || !peer.RefuseFirstTime(piece)) return UploadDecision.Serve;
            // Only a hint: the piece is claimed when the peer actually asks for it.
            suggestion = _assignments.Suggest(peer, now);
            return UploadDecision.Elsewhere;
        }
    }

    internal void OnSuggest(PeerConnection peer, int piece)
    {
        lock (Sync)
        {
            if (_picker.Have[piece]) return;
            peer.AddSuggestion(piece);
            FillRequests(peer);
        }
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
        if (((IPickerPeer)peer).Suggested.Count > 0) peer.PruneSuggestions(p => !_picker.Have[p] && _picker.Active(p) is null);
        int n = _picker.Pick(peer, picks, peer.IsSeed && OthersCanServe(peer));
        long now = Time.GetTimestamp();
        for (int i = 0; i < n; i++)
        {
            var request = picks[i];
            peer.Requests.Add(request, now);
            peer.Enqueue(new Outgoing(MessageId.Request, request.Piece, request.Begin, request.Length));
        }
    }

    /// <summary>Some other non-seed peer unchokes us and has pieces we lack.</summary>
    private bool OthersCanServe(PeerConnection except)
    {
        foreach (var other in _peers)
            if (!ReferenceEquals(other, except) && !other.IsSeed && !other.PeerChoking && other.WantedPieces > 0) return true;
        return false;
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
