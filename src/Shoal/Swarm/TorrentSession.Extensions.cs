using System.Net;

namespace Shoal.Swarm;

/// <summary>A connected peer as extensions see it, captured under the session lock.</summary>
internal readonly record struct PeerSnapshot(PeerConnection Peer, IPEndPoint? ListenEndPoint, bool IsSeed, bool IsIncoming);

public sealed partial class TorrentSession
{
    /// <summary>The connected peers (for extensions such as PEX); a copy taken under the lock.</summary>
    internal List<PeerSnapshot> SnapshotPeers()
    {
        lock (Sync)
        {
            var result = new List<PeerSnapshot>(_peers.Count);
            foreach (var peer in _peers)
                if (!peer.IsClosed) result.Add(new PeerSnapshot(peer, peer.ListenEndPoint is { } e ? Normalize(e) : null, peer.IsSeed, peer.IsIncoming));
            return result;
        }
    }

    /// <summary>Where the address of a connected peer came from (session lock held).</summary>
    private PeerSource? SourceOf(PeerConnection peer)
    {
        var endPoint = peer.ListenEndPoint ?? peer.RemoteEndPoint;
        return _book.Get(Normalize(endPoint))?.Source ?? (peer.IsIncoming ? PeerSource.Incoming : null);
    }
}
