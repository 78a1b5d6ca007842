namespace Shoal.Daemon.Engine;

/// <summary>Where a connected peer's address came from (what Transmission's <c>peersFrom</c> and flag letters report).</summary>
public enum PeerOrigin
{
    Manual,
    Tracker,
    Incoming,
    PeerExchange,
    LocalDiscovery,
    Dht,
}

/// <summary>Counts of connected peers by origin.</summary>
public readonly record struct PeerOriginCounts(int Tracker, int Incoming, int PeerExchange, int LocalDiscovery, int Dht, int Other);

/// <summary>
/// One running torrent's numbers at one moment, as the daemon needs them. These records are the daemon's own: only
/// <see cref="EngineHost"/> translates the library's status types into them, so an engine change touches one file.
/// </summary>
public sealed record EngineProgress(
    bool IsComplete,
    string? Error,
    long VerifiedBytes,
    int PiecesVerified,
    long DownloadRate,
    long UploadRate,
    long Downloaded,
    long Uploaded,
    long Wasted,
    int PeersConnected,
    int PeersSendingToUs,
    int PeersGettingFromUs,
    int KnownPeers,
    PeerOriginCounts From,
    int WebSeedsSendingToUs = 0);

/// <summary>One connected peer (Transmission's <c>peers</c> entries). "Client" is us: ClientIsChoked = the peer chokes us.
/// A web seed is listed too, as a seed named "web seed URL" that never chokes us.</summary>
public sealed record PeerView(
    string Address,
    int Port,
    string ClientName,
    bool ClientIsChoked,
    bool ClientIsInterested,
    bool PeerIsChoked,
    bool PeerIsInterested,
    bool IsIncoming,
    bool IsEncrypted,
    bool IsUtp,
    bool IsSeed,
    double Progress,
    long RateToClient,
    long RateToPeer,
    PeerOrigin Origin,
    bool IsObfuscated = false)
{
    public bool IsDownloadingFrom => !ClientIsChoked && ClientIsInterested;

    public bool IsUploadingTo => !PeerIsChoked && PeerIsInterested;

    /// <summary>Transmission's one-letter flags, in its order (T uTP, D/d downloading, U/u uploading, K, ?, E, H/X origin, I incoming),
    /// plus qBittorrent's 'e' where only the handshake was encrypted (MSE with the plaintext method).</summary>
    public string FlagStr
    {
        get
        {
            Span<char> flags = stackalloc char[8];
            int n = 0;
            if (IsUtp) flags[n++] = 'T';
            if (IsDownloadingFrom) flags[n++] = 'D';
            else if (ClientIsInterested) flags[n++] = 'd';
            if (IsUploadingTo) flags[n++] = 'U';
            else if (PeerIsInterested) flags[n++] = 'u';
            if (!ClientIsChoked && !ClientIsInterested) flags[n++] = 'K';
            if (!PeerIsChoked && !PeerIsInterested) flags[n++] = '?';
            if (IsEncrypted) flags[n++] = 'E';
            else if (IsObfuscated) flags[n++] = 'e';
            if (Origin == PeerOrigin.Dht) flags[n++] = 'H';
            else if (Origin == PeerOrigin.PeerExchange) flags[n++] = 'X';
            if (IsIncoming) flags[n++] = 'I';
            return new string(flags[..n]);
        }
    }
}

public enum TrackerActivity
{
    /// <summary>Not contacted yet, or a backup of its tier.</summary>
    Idle,
    Announcing,
    Working,
    Failing,
    /// <summary>The URL cannot be used (bad syntax or unsupported scheme).</summary>
    Invalid,
}

/// <summary>One tracker of a torrent (Transmission's <c>trackers</c> and <c>trackerStats</c> entries).</summary>
public sealed record TrackerView(
    int Id,
    int Tier,
    string Announce,
    TrackerActivity Activity,
    DateTimeOffset? LastAnnounce,
    DateTimeOffset? NextAnnounce,
    string? LastError,
    string? Warning,
    int LastPeerCount,
    int? Seeders,
    int? Leechers);
