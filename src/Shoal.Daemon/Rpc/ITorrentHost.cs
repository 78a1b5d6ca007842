using Shoal.Daemon.Engine;
using Shoal.Daemon.Session;
using Shoal.Daemon.Torrents;
using Shoal.Metainfo;

namespace Shoal.Daemon.Rpc;

/// <summary>
/// Everything the RPC methods need from the daemon, and nothing more: the handlers are written against this, so they are
/// tested in-process without sockets, and the web interface (which uses only the RPC) sees exactly what scripts see.
/// Operations on a torrent that is gone by the time they run do nothing. User mistakes throw <see cref="RpcException"/>.
/// </summary>
public interface ITorrentHost
{
    TimeProvider Time { get; }

    /// <summary>Every torrent, by id.</summary>
    IReadOnlyList<IHostedTorrent> Torrents { get; }

    /// <summary>Ids of torrents removed at or after <paramref name="cutoff"/> (for "recently-active" polling).</summary>
    IReadOnlyList<int> RemovedSince(DateTimeOffset cutoff);

    /// <summary>Adds a torrent, or returns the one already there with the same info-hash (<see cref="AddResult.Duplicate"/>).</summary>
    Task<AddResult> AddAsync(AddRequest request, CancellationToken ct);

    /// <summary>Removes it at once; its data (when asked) is deleted once it has stopped, in the background.</summary>
    Task RemoveAsync(IHostedTorrent torrent, bool deleteData);

    /// <summary>Starts it (queued if the queue is full, unless <paramref name="bypassQueue"/>).</summary>
    Task StartAsync(IHostedTorrent torrent, bool bypassQueue);

    /// <summary>Stops it at once (its stop announce finishes in the background).</summary>
    Task StopAsync(IHostedTorrent torrent);

    /// <summary>Queues a check of all its data (a running torrent stops for the check and goes on afterwards).</summary>
    Task VerifyAsync(IHostedTorrent torrent);

    void Reannounce(IHostedTorrent torrent);

    /// <summary>Points the torrent at <paramref name="location"/>, moving its files there first when <paramref name="move"/>.</summary>
    Task SetLocationAsync(IHostedTorrent torrent, string location, bool move);

    /// <summary>Renames a file or folder of the torrent (<paramref name="path"/> as in its file list) to <paramref name="name"/>.</summary>
    Task RenamePathAsync(IHostedTorrent torrent, string path, string name);

    /// <summary>Replaces the torrent's settings (applied to the engine where it can).</summary>
    void UpdateSettings(IHostedTorrent torrent, TorrentSettings settings);

    void SetTrackers(IHostedTorrent torrent, IReadOnlyList<IReadOnlyList<string>> tiers);

    void SetQueuePosition(IHostedTorrent torrent, int position);

    void MoveInQueue(IReadOnlyList<IHostedTorrent> torrents, QueueMove move);

    SessionSettings Settings { get; }

    /// <summary>Replaces the session settings (persisted; limits apply at once).</summary>
    void UpdateSettings(SessionSettings settings);

    SessionFacts Facts { get; }

    /// <summary>Encryption and uTP as in force now (session-get `encryption`, `utp-enabled`).</summary>
    Shoal.Transport.TransportSwitches Transports { get; }

    /// <summary>Whether a DHT node runs now (session-get `dht-enabled`).</summary>
    bool DhtRunning { get; }

    /// <summary>Nodes in the DHT's routing tables (IPv4 and IPv6), or null when no DHT runs (session-stats `dhtNodes`, Shoal's own).</summary>
    int? DhtNodes { get; }

    /// <summary>Turns the DHT on or off now and stores the choice (session-set `dht-enabled`); on needs the engine's UDP port.</summary>
    Task SetDhtEnabledAsync(bool enabled);

    /// <summary>The bandwidth groups (group-get), by name.</summary>
    IReadOnlyList<BandwidthGroup> Groups { get; }

    /// <summary>Creates or replaces a bandwidth group (group-set): stored, and its limits apply at once to its torrents.</summary>
    void SetGroup(BandwidthGroup group);

    (TransferStats Current, TransferStats Cumulative) Stats();

    /// <summary>Shuts the daemon down (session-close), after the answer has been sent.</summary>
    void RequestShutdown();
}

/// <summary>One torrent as the RPC reads it.</summary>
public interface IHostedTorrent
{
    int Id { get; }

    InfoHash InfoHash { get; }

    /// <summary>Latest change worth reporting to a "recently-active" poll.</summary>
    DateTimeOffset AnyDate { get; }

    TorrentSnapshot Snapshot();

    IReadOnlyList<PeerView> Peers();

    IReadOnlyList<TrackerView> Trackers();

    /// <summary>The real files, padding left out, by RPC index (see <see cref="Torrents.FileIndexMap"/>).</summary>
    IReadOnlyList<FileView> Files();

    /// <summary>The verified-pieces bitfield (BitTorrent wire order), or null without metadata.</summary>
    byte[]? Pieces();

    /// <summary>Pieces being downloaded or verified now, as a bitfield like <see cref="Pieces"/>; null when not running.</summary>
    byte[]? PiecesInFlight();

    /// <summary>Per piece: -1 when we have it, else how many connected peers have it (Transmission's <c>availability</c>); empty when not running.</summary>
    IReadOnlyList<int> Availability();
}

public enum QueueMove
{
    Top,
    Up,
    Down,
    Bottom,
}

/// <summary>What torrent-add asked for. Exactly one of <see cref="Metainfo"/> and <see cref="Magnet"/> is set.</summary>
public sealed record AddRequest
{
    public byte[]? Metainfo { get; init; }

    public MagnetLink? Magnet { get; init; }

    /// <summary>A local .torrent file to delete after adding when the session says so (trash-original-torrent-files).</summary>
    public string? SourceFile { get; init; }

    public string? DownloadDir { get; init; }

    /// <summary>Null: the session's start-added-torrents decides.</summary>
    public bool? Paused { get; init; }

    public int? PeerLimit { get; init; }

    public int? BandwidthPriority { get; init; }

    public IReadOnlyList<string>? Labels { get; init; }

    public IReadOnlyList<int>? FilesWanted { get; init; }

    public IReadOnlyList<int>? FilesUnwanted { get; init; }

    public IReadOnlyList<int>? PriorityHigh { get; init; }

    public IReadOnlyList<int>? PriorityLow { get; init; }

    public IReadOnlyList<int>? PriorityNormal { get; init; }

    /// <summary>Download pieces in order (Transmission 4.1's sequential_download); null: off.</summary>
    public bool? Sequential { get; init; }
}

public sealed record AddResult(IHostedTorrent Torrent, bool Duplicate);

/// <summary>Session values that are not settings: they describe this running daemon.</summary>
public sealed record SessionFacts(int PeerPort, string ConfigDir, string Version, string SessionId, bool PexEnabled, bool LpdEnabled);
