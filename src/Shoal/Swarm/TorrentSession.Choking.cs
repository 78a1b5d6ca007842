using Shoal.Wire;

namespace Shoal.Swarm;

public sealed partial class TorrentSession
{
    private void RunChokeRound(bool rotateOptimistic, long now)
    {
        var unchoke = _choker.Decide(_peers, _picker.IsComplete, rotateOptimistic, now, Time.TimestampFrequency);
        foreach (var peer in _peers) SetChoking(peer, !unchoke.Contains(peer));
    }

    private int UnchokedCount()
    {
        int count = 0;
        foreach (var peer in _peers) if (!peer.AmChoking) count++;
        return count;
    }

    /// <summary>A slot came free: give it to an interested, choked peer right away.</summary>
    private void UnchokeWaiting()
    {
        if (UnchokedCount() >= Settings.UploadSlots + 1) return;
        var next = _peers.Where(p => p.AmChoking && p.PeerInterested && !p.IsClosed).MinBy(p => p.ConnectedAt);
        if (next is not null) SetChoking(next, false);
    }

    private void SetChoking(PeerConnection peer, bool choke)
    {
        if (peer.AmChoking == choke) return;
        peer.AmChoking = choke;
        peer.Enqueue(new Outgoing(choke ? MessageId.Choke : MessageId.Unchoke));
        if (choke) peer.DropTheirRequests(keep: _ => false);
    }
}
