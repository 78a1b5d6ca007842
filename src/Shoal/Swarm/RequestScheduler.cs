using Shoal.Storage;
using Shoal.Wire;

namespace Shoal.Swarm;

/// <summary>
/// Our side of the download: which peers interest us, keeping each unchoking peer's request pipeline full (deeper
/// for faster peers, one block for snubbed ones), endgame duplicates and their cancels, and which arriving blocks we
/// accept (only blocks we asked that peer for). Everything here runs under the torrent's lock; the copy of an accepted
/// block into its piece buffer happens after the lock is released.
/// </summary>
internal sealed class RequestScheduler(SwarmContext swarm)
{
    private PiecePicker? Picker => swarm.Picker;

    /// <summary>The peer's availability became usable (transfer start, or a bitfield): count it and decide interest.</summary>
    public void AddAvailability(PeerConnection peer)
    {
        if (Picker is not { } picker || peer.Availability.Bits is not { } have) return;
        picker.AddPeer(have);
        peer.SetWantedPieces(CountWanted(have));
        UpdateInterest(peer);
    }

    public void OnHave(PeerConnection peer, int piece)
    {
        if (peer.Availability.Bits is not { } have)
        {
            peer.Availability.AddPendingHave(piece);
            return;
        }
        if (have[piece]) return;
        have[piece] = true;
        if (Picker is not { } picker) return;
        picker.PeerHas(piece, have);
        if (picker.Needs(piece))
        {
            peer.SetWantedPieces(peer.WantedPieces + 1);
            UpdateInterest(peer);
            Fill(peer);
        }
        if (peer.IsSeed && picker.IsFinished) peer.Close("both seeding");
    }

    /// <summary>A bitfield, have-all or have-none: replaces what we knew of the peer.</summary>
    public void OnAvailability(PeerConnection peer, Bitfield bitfield)
    {
        if (Picker is { } picker && peer.Availability.Bits is { SetCount: > 0 } old) picker.RemovePeer(old);
        peer.Availability.Replace(bitfield);
        if (Picker is null) return;
        if (peer.IsSeed && Picker.IsFinished)
        {
            peer.Close("both seeding");
            return;
        }
        AddAvailability(peer);
        Fill(peer);
    }

    /// <summary>The peer choked us: requests outside its allowed-fast set will be rejected, so re-issue them elsewhere.</summary>
    public void OnChoked(PeerConnection peer)
    {
        peer.SetPeerChoking(true);
        peer.LastChokedUs = swarm.Time.GetTimestamp();
        peer.Requests.RemoveWhere(r => !peer.AllowedFastForUs.Contains(r.Piece), Release);
        FillAll();
    }

    /// <summary>
    /// Unchoked: the pipeline is refilled at once, unless the peer choked us within the last second; then the next
    /// tick refills it, so a peer flapping choke/unchoke costs one refill a second, not one per message pair.
    /// </summary>
    public void OnUnchoked(PeerConnection peer)
    {
        peer.SetPeerChoking(false);
        if (peer.LastChokedUs is long choked && swarm.Elapsed(choked, swarm.Time.GetTimestamp()) < TimeSpan.FromSeconds(1)) return;
        Fill(peer);
    }

    public void OnReject(PeerConnection peer, int piece, int begin)
    {
        if (peer.Requests.Remove(piece, begin)) Picker?.Release(piece, begin);
        // A seed refusing a piece it has is sending it elsewhere: fetch it from that peer once it has it.
        if (peer.IsSeed) peer.AvoidFromNow(piece);
    }

    public void OnSuggest(PeerConnection peer, int piece)
    {
        if (Picker is not { } picker || picker.Have[piece]) return;
        peer.AddSuggestion(piece);
        Fill(peer);
    }

    /// <summary>
    /// A block arrived: accepted only if we requested it from this peer and nobody delivered it first. Returns the piece
    /// to copy it into (the block is then claimed: the caller copies it after releasing the lock), or null (wasted).
    /// </summary>
    public PieceDownload? Claim(PeerConnection peer, int piece, int begin, int length)
    {
        if (!peer.Requests.Remove(piece, begin))
        {
            // Blocks are taken only from a peer we asked (BEP 3), so a peer cannot spray a piece with garbage.
            if (!peer.Requests.TryExcuseLateBlock()) peer.CloseAsHostile($"sent block ({piece},{begin}) that was never requested from it");
            return null;
        }
        peer.Unsnub();
        if (Picker is not { } picker) return null;
        var download = picker.Claim(peer, piece, begin, length);
        if (download is not null && (picker.InEndgame || download.AllClaimed)) CancelDuplicates(peer, piece, begin, length);
        return download;
    }

    /// <summary>Keeps the peer's request pipeline full.</summary>
    public void Fill(PeerConnection peer)
    {
        if (Picker is not { } picker || peer.IsClosed || !peer.AmInterested || peer.PeerChoking || !swarm.IsActive) return;
        int want = TargetQueueDepth(peer) - peer.Requests.Count;
        if (want <= 0) return;
        Span<BlockRequest> picks = stackalloc BlockRequest[Math.Min(want, 256)];
        if (((IPickerPeer)peer).Suggested.Count > 0) peer.PruneSuggestions(p => !picker.Have[p] && picker.Active(p) is null);
        int n = picker.Pick(peer, picks, peer.IsSeed && OthersCanServe(peer));
        long now = swarm.Time.GetTimestamp();
        for (int i = 0; i < n; i++)
        {
            var request = picks[i];
            peer.Requests.Add(request, now);
            peer.Send(new Outgoing(MessageId.Request, request.Piece, request.Begin, request.Length));
        }
    }

    public void FillAll()
    {
        foreach (var peer in swarm.Peers) Fill(peer);
        swarm.WebSeeds?.Wake();
    }

    /// <summary>Interest follows whether the peer has pieces we lack (and we can still download).</summary>
    public void UpdateInterest(PeerConnection peer)
    {
        bool interested = peer.WantedPieces > 0 && swarm.Error is null && !swarm.Paused;
        if (interested == peer.AmInterested) return;
        peer.SetAmInterested(interested);
        peer.Send(new Outgoing(interested ? MessageId.Interested : MessageId.NotInterested));
        if (!interested) ReleaseAll(peer);
    }

    /// <summary>A piece verified: peers that have it have one piece less we want (call before the picker records it).</summary>
    public void OnVerified(int piece)
    {
        if (Picker is not { } picker || !picker.Needs(piece)) return;
        foreach (var peer in swarm.Peers)
        {
            if (peer.Availability.Bits?[piece] == true)
            {
                peer.SetWantedPieces(peer.WantedPieces - 1);
                UpdateInterest(peer);
            }
        }
    }

    /// <summary>A piece we had is gone again (changed on disk): peers that have it have one more piece we want (call after the picker records it).</summary>
    public void OnLost(int piece)
    {
        if (Picker is not { } picker || !picker.Needs(piece)) return;
        foreach (var peer in swarm.Peers)
        {
            if (peer.Availability.Bits?[piece] == true)
            {
                peer.SetWantedPieces(peer.WantedPieces + 1);
                UpdateInterest(peer);
            }
        }
    }

    /// <summary>Returns the peer's outstanding requests to the picker (snubbed, gone, uninteresting).</summary>
    public void ReleaseAll(PeerConnection peer) => peer.Requests.Clear(Release);

    /// <summary>Undoes a departed peer's effect: its requests and its availability.</summary>
    public void Forget(PeerConnection peer)
    {
        ReleaseAll(peer);
        if (Picker is { } picker && peer.Availability.Bits is { SetCount: > 0 } have) picker.RemovePeer(have);
    }

    private void Release(BlockRequest request) => Picker?.Release(request.Piece, request.Begin);

    /// <summary>Some other non-seed peer unchokes us and has pieces we lack.</summary>
    private bool OthersCanServe(PeerConnection except)
    {
        foreach (var other in swarm.Peers)
            if (!ReferenceEquals(other, except) && !other.IsSeed && !other.PeerChoking && other.WantedPieces > 0) return true;
        return false;
    }

    private int TargetQueueDepth(PeerConnection peer)
    {
        if (peer.IsSnubbed) return 1;
        int cap = Math.Min(swarm.Settings.MaxRequestsPerPeer, peer.RemoteExtensions?.RequestQueueDepth ?? 250);
        // Enough requests to cover half a second at the peer's current rate: deeper queues at a slow (capped) seeder make
        // every leecher hold requests for many pieces there, and two leechers often end up fetching the same ones.
        double rateBlocks = peer.DownloadRate.BytesPerSecond * 0.5 / BlockRequest.BlockSize;
        return Math.Clamp((int)rateBlocks, Math.Min(swarm.Settings.MinRequestsPerPeer, cap), cap);
    }

    /// <summary>The wanted pieces have changed (a new file selection): every peer's count and our interest follow.</summary>
    public void RecountWanted()
    {
        foreach (var peer in swarm.Peers)
        {
            if (peer.Availability.Bits is not { } have) continue;
            peer.SetWantedPieces(CountWanted(have));
            UpdateInterest(peer);
        }
    }

    private int CountWanted(Bitfield peerHave)
    {
        var picker = Picker!;
        if (peerHave.IsComplete) return picker.MissingWanted;
        int wanted = 0;
        for (int p = 0; p < peerHave.Count; p++)
            if (peerHave[p] && picker.Needs(p)) wanted++;
        return wanted;
    }

    /// <summary>In endgame, a block may be requested from several peers: tell the others it arrived (<paramref name="receivedFrom"/>
    /// null when it came from a web seed).</summary>
    public void CancelDuplicates(PeerConnection? receivedFrom, int piece, int begin, int length)
    {
        foreach (var other in swarm.Peers)
        {
            if (ReferenceEquals(other, receivedFrom) || !other.Requests.Cancel(piece, begin)) continue;
            other.Send(new Outgoing(MessageId.Cancel, piece, begin, length));
        }
    }
}
