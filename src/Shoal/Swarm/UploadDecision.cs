namespace Shoal.Swarm;

/// <summary>What to do with a peer's request for a block.</summary>
internal enum UploadDecision
{
    Serve,
    /// <summary>We don't have the piece or the peer is choked: reject (fast extension) or ignore.</summary>
    Refuse,
    /// <summary>The piece is on its way to another peer: reject and suggest an unclaimed piece instead.</summary>
    Elsewhere,
}
