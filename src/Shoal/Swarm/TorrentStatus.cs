using System.Net;
using Shoal.Transport;

namespace Shoal.Swarm;

public enum TorrentState
{
    Downloading,
    Seeding,
    Stopped,
    /// <summary>Stopped by an error (e.g. a full disk); verified pieces are kept.</summary>
    Error,
    /// <summary>A magnet link's metadata is being fetched from peers.</summary>
    FetchingMetadata,
    /// <summary>The metadata is known; storage is being opened (and existing data checked).</summary>
    Checking,
    /// <summary>Paused by the user: no connections, storage open.</summary>
    Paused,
}

/// <summary>A point-in-time view of a torrent, for progress displays and scripts. <see cref="Metadata"/> is set while a
/// magnet link's metadata is fetched (sizes and piece counts are 0 until then). Byte counts are the files' own bytes:
/// <see cref="TotalBytes"/> is <see cref="Shoal.Metainfo.TorrentInfo.DataLength"/>, <see cref="VerifiedBytes"/> the file bytes in
/// verified pieces (padding of v2 and hybrid torrents excluded), so a complete torrent has both equal.</summary>
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
    string? Error,
    MetadataProgress? Metadata = null)
{
    public double Progress => TotalBytes == 0 ? 1 : (double)VerifiedBytes / TotalBytes;

    public int Seeds => Peers.Count(p => p.IsSeed);

    /// <summary>The torrent's web seeds (BEP 19), beside <see cref="Peers"/>; their rates are part of <see cref="DownloadRate"/>.</summary>
    public IReadOnlyList<WebSeedStatus> WebSeeds { get; init; } = [];

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
    int RequestsIn = 0,
    TransportKind Transport = TransportKind.Tcp,
    bool IsEncrypted = false,
    long QueuedBytes = 0,
    bool IsObfuscated = false);

/// <summary>
/// A web seed (BEP 19) of a torrent: its URL, what it sent, and whether it works: <see cref="IsFetching"/> while a
/// request is under way, <see cref="RetryAt"/> while it rests after an error, <see cref="IsBanned"/> once its data failed
/// verification (never used again).
/// </summary>
public sealed record WebSeedStatus(Uri Url, double DownloadRate, long Downloaded, bool IsFetching, bool IsBanned, string? LastError, DateTimeOffset? RetryAt)
{
    /// <summary>Usable: not banned and not resting after an error.</summary>
    public bool IsWorking => !IsBanned && RetryAt is null;
}
