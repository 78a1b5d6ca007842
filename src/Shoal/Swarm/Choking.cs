using Shoal.Wire;

namespace Shoal.Swarm;

/// <summary>
/// Our uploads: who is unchoked (tit-for-tat rounds, one optimistic slot, a free slot handed out at once) and which
/// requests we serve. While seeding, a piece already on its way to one peer is refused to a second one with a
/// suggestion instead (BEP 6); a second ask is served, so a peer that ignores suggestions is never starved.
/// Runs under the torrent's lock.
/// </summary>
internal sealed class Choking(SwarmContext swarm)
{
    private readonly Choker _choker = new(swarm.Settings.UploadSlots, swarm.Random);
    private UploadAssignments? _assignments;
    private long _lastRound, _lastOptimisticRotation;

    /// <summary>Runs a round when one is due (every <see cref="EngineSettings.ChokeInterval"/>).</summary>
    public void Tick(long now)
    {
        if (swarm.Elapsed(_lastRound, now) < swarm.Settings.ChokeInterval) return;
        bool rotate = swarm.Elapsed(_lastOptimisticRotation, now) >= swarm.Settings.OptimisticUnchokeInterval;
        RunRound(rotate, now);
        _lastRound = now;
        if (rotate) _lastOptimisticRotation = now;
    }

    private void RunRound(bool rotateOptimistic, long now)
    {
        if (swarm.Picker is null) return;
        var unchoke = _choker.Decide(swarm.Peers, swarm.IsComplete, rotateOptimistic, now, swarm.Time.TimestampFrequency);
        foreach (var peer in swarm.Peers) SetChoking(peer, !unchoke.Contains(peer));
    }

    public void OnInterest(PeerConnection peer, bool interested)
    {
        peer.SetPeerInterested(interested);
        // Don't make a newcomer wait for the next choke round when a slot is free.
        if (interested && peer.AmChoking && swarm.Picker is not null && swarm.IsActive && UnchokedCount() < swarm.Settings.UploadSlots + 1)
            SetChoking(peer, false);
    }

    /// <summary>Whether to upload a requested block now (see the class summary).</summary>
    public UploadDecision Decide(PeerConnection peer, int piece, out int suggestion)
    {
        suggestion = -1;
        if (swarm.Picker is not { } picker || !picker.Have[piece] || peer.AmChoking || !swarm.IsActive) return UploadDecision.Refuse;
        if (!picker.IsComplete || !peer.SupportsFast) return UploadDecision.Serve;
        long now = swarm.Time.GetTimestamp();
        // A claim lasts a few seconds: long enough for a piece to arrive and be announced, short enough that a slow
        // or silent peer never holds one back.
        _assignments ??= new UploadAssignments(picker.Have.Count, swarm.Random, 3 * swarm.Time.TimestampFrequency);
        if (_assignments.TryClaim(piece, peer, now) || !peer.RefuseFirstTime(piece)) return UploadDecision.Serve;
        // Only a hint: the piece is claimed when the peer actually asks for it.
        suggestion = _assignments.Suggest(peer, now);
        return UploadDecision.Elsewhere;
    }

    /// <summary>A peer left: its claims and its upload slot are free.</summary>
    public void Forget(PeerConnection peer)
    {
        _assignments?.Release(peer);
        if (!peer.AmChoking) UnchokeWaiting();
    }

    /// <summary>Chokes everyone (pause): their queued requests are dropped.</summary>
    public void ChokeAll()
    {
        foreach (var peer in swarm.Peers) SetChoking(peer, true);
    }

    private int UnchokedCount()
    {
        int count = 0;
        foreach (var peer in swarm.Peers) if (!peer.AmChoking) count++;
        return count;
    }

    /// <summary>A slot came free: give it to an interested, choked peer right away.</summary>
    private void UnchokeWaiting()
    {
        if (swarm.Picker is null || !swarm.IsActive || UnchokedCount() >= swarm.Settings.UploadSlots + 1) return;
        var next = swarm.Peers.Where(p => p.AmChoking && p.PeerInterested && !p.IsClosed).MinBy(p => p.ConnectedAt);
        if (next is not null) SetChoking(next, false);
    }

    private void SetChoking(PeerConnection peer, bool choke)
    {
        if (peer.AmChoking == choke) return;
        peer.SetAmChoking(choke);
        peer.Send(new Outgoing(choke ? MessageId.Choke : MessageId.Unchoke));
        if (choke) peer.DropTheirRequests(swarm.Info!.PieceSize);
    }
}
