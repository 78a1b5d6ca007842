using Shoal.Wire;

namespace Shoal.Swarm;

/// <summary>
/// Once a second, per peer: a peer silent for too long, or one whose sends make no progress (it does not read), is
/// dropped; a keep-alive goes to peers we have not written to lately; a peer that unchoked us but sits on our requests
/// is snubbed (its requests go to others, and it is asked for one block at a time). Runs under the torrent's lock.
/// </summary>
internal sealed class PeerTimeouts(SwarmContext swarm, RequestScheduler scheduler)
{
    public void Check(PeerConnection peer, long now)
    {
        var settings = swarm.Settings;
        if (swarm.Elapsed(peer.LastReceived, now) > settings.InactivityTimeout)
        {
            peer.Close("inactive");
            return;
        }
        if (peer.SendingSince is > 0 and var since && swarm.Elapsed(since, now) > settings.SendTimeout)
        {
            peer.Close("sends make no progress: the peer does not read");
            return;
        }
        if (swarm.Elapsed(peer.LastSent, now) > settings.KeepAliveInterval) peer.Send(new Outgoing(MessageId.KeepAlive));
        var oldest = peer.Requests.OldestTimestamp;
        if (!peer.IsSnubbed && !peer.PeerChoking && oldest is long sent &&
            swarm.Elapsed(Math.Max(sent, peer.LastBlockReceived), now) > settings.SnubTimeout)
        {
            peer.Snub();
            scheduler.ReleaseAll(peer);
        }
    }
}
