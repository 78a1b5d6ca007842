using Shoal.Metainfo;
using Shoal.Trackers;
using Shoal.Wire;

namespace Shoal.TrackerServer.Registry;

/// <summary>
/// One announce as the registry applies it, after the announce service has decided everything else: the endpoint the
/// peer is listed at, and how many peers (of which families, with or without ids) to hand back.
/// </summary>
public readonly record struct PeerAnnounce(
    InfoHash InfoHash,
    PeerId PeerId,
    PeerEndpoint Endpoint,
    AnnounceEvent Event,
    bool IsSeeder,
    int NumWant,
    bool WantPeerIds = false,
    bool IncludeOtherFamily = false);
