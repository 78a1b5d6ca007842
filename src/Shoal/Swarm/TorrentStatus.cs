using System.Net;

namespace Shoal.Swarm;

public enum TorrentState
{
    Downloading,
    Seeding,
    Stopped,
    /// <summary>Stopped by an error (e.g. a full disk); verified pieces are kept.</summary>
    Error,
}

/// <summary>A point-in-time view of a torrent, for progress displays and scripts.</summary>
public sealed record TorrentStatus(
    TorrentState State,
    long TotalBytes,
    long VerifiedBytes,
    int PiecesVerified,
    int PieceCount,
    double DownloadRate,
    double UploadRate,
    long Downloaded,
    long Uploaded,
    long Wasted,
    int HashFailures,
    IReadOnlyList<PeerStatus> Peers,
    int KnownPeers,
    string? Error)
{
    public double Progress => TotalBytes == 0 ? 1 : (double)VerifiedBytes / TotalBytes;

    public int Seeds => Peers.Count(p => p.IsSeed);

    /// <summary>Estimated time to completion at the current rate; null when unknown.</summary>
    public TimeSpan? Eta => DownloadRate < 1 ? null : TimeSpan.FromSeconds((TotalBytes - VerifiedBytes) / DownloadRate);
}

public sealed record PeerStatus(
    IPEndPoint EndPoint,
    string Client,
    bool Incoming,
    bool IsSeed,
    double Progress,
    double DownloadRate,
    double UploadRate,
    bool AmChoking,
    bool AmInterested,
    bool PeerChoking,
    bool PeerInterested,
    bool Snubbed,
    PeerSource? Source = null,
    int RequestsOut = 0,
    int RequestsIn = 0);
