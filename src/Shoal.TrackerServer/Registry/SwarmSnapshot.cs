using Shoal.Metainfo;
using Shoal.Wire;

namespace Shoal.TrackerServer.Registry;

/// <summary>A peer as a store saves it: wall-clock last announce, so expiry carries over a restart.</summary>
public readonly record struct StoredPeer(PeerId Id, PeerEndpoint Endpoint, bool IsSeeder, long LastSeenUnixSeconds);

/// <summary>One torrent's state as a store saves it. No peers, no downloads and no name means "forget it".</summary>
public sealed record SwarmSnapshot(InfoHash InfoHash, long Downloaded, string? Name, IReadOnlyList<StoredPeer> Peers)
{
    public bool IsEmpty => Peers.Count == 0 && Downloaded == 0 && Name is null;
}
