namespace Shoal.Swarm;

/// <summary>How a magnet link's metadata fetch is going: "fetching metadata: n peers, x/y bytes".</summary>
/// <param name="KnownPeers">Addresses heard of (trackers, the link, the user, LSD).</param>
/// <param name="ConnectedPeers">Peers connected right now.</param>
/// <param name="PeersWithMetadata">Connected peers that offered the metadata (ut_metadata with a size).</param>
/// <param name="ReceivedBytes">Metadata bytes received for the current attempt.</param>
/// <param name="TotalBytes">The metadata size, once a peer has told it.</param>
/// <param name="FailedAttempts">Assembled metadata that did not match the info-hash (its senders were penalised).</param>
public sealed record MetadataProgress(int KnownPeers, int ConnectedPeers, int PeersWithMetadata, long ReceivedBytes, long? TotalBytes,
    int FailedAttempts = 0)
{
    public double Fraction => TotalBytes is > 0 and var total ? (double)ReceivedBytes / total : 0;
}
