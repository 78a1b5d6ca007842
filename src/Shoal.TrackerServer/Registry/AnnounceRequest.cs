using Shoal.Metainfo;

namespace Shoal.TrackerServer.Registry;

/// <summary>An announce after the front-end has parsed and validated it; the endpoint is the one the peer is reached at.</summary>
public readonly record struct AnnounceRequest(
    InfoHash InfoHash,
    PeerId PeerId,
    PeerEndpoint Endpoint,
    AnnounceEvent Event,
    bool IsSeeder,
    int NumWant,
    bool WantPeerIds = false,
    bool IncludeOtherFamily = false);
