using Microsoft.Extensions.Logging;
using Shoal.Metainfo;
using Shoal.Storage;

namespace Shoal.Swarm;

/// <summary>
/// The state one torrent's collaborators share (connections, request scheduling, choking, verification outcomes,
/// timeouts), all read and written under <see cref="Sync"/>, held only for short, I/O-free sections. Peers, extensions
/// and the verifier never see this: they talk to the torrent through <see cref="IPeerEvents"/>,
/// <see cref="IExtensionHost"/> and <see cref="IVerificationSink"/>.
/// </summary>
internal sealed class SwarmContext(ClientEngine engine, InfoHash infoHash, Random random, ILogger log)
{
    public readonly Lock Sync = new();

    public ClientEngine Engine { get; } = engine;

    public EngineSettings Settings => Engine.Settings;

    public TimeProvider Time => Engine.Time;

    /// <summary>The torrent's own random choices (seeded from the engine's), used under the lock.</summary>
    public Random Random { get; } = random;

    public ILogger Log { get; } = log;

    /// <summary>This torrent's own rate limits (0 = none), layered under the engine's unless it ignores them.</summary>
    public TokenBucket UploadLimiter { get; } = new(0, engine.Time) { Parent = engine.UploadLimiter };

    public TokenBucket DownloadLimiter { get; } = new(0, engine.Time) { Parent = engine.DownloadLimiter };

    /// <summary>What this torrent's connections share: its clock, its rate limits, the engine's bounds.</summary>
    public PeerLimits Limits => _limits ??= new PeerLimits(Time, DownloadLimiter, UploadLimiter, Settings.MaxOutboxBytes, Settings.MaxQueuedRequestsFromPeer);

    private PeerLimits? _limits;

    /// <summary>Most peers connected at once (the engine's per-torrent default until set per torrent).</summary>
    public int MaxConnections { get; set; } = engine.Settings.MaxConnectionsPerTorrent;

    public InfoHash InfoHash { get; } = infoHash;

    /// <summary>The metadata; null while a magnet link's is being fetched.</summary>
    public TorrentInfo? Info { get; set; }

    /// <summary>Where verified pieces go; null until the metadata is known and storage is opened.</summary>
    public IPieceStorage? Storage { get; set; }

    /// <summary>What to download next, and the piece buffers; null until storage is attached.</summary>
    public PiecePicker? Picker { get; set; }

    /// <summary>The connected peers.</summary>
    public List<PeerConnection> Peers { get; } = [];

    /// <summary>The torrent's web seeds (BEP 19), block sources beside the peers.</summary>
    public WebSeeds.WebSeedSet? WebSeeds { get; set; }

    /// <summary>Every address heard of, with its history and bans.</summary>
    public PeerBook Book { get; } = new(engine.Time);

    /// <summary>BEP 52 hash requests and answers; null for a v1 torrent (and before a magnet's metadata).</summary>
    public V2.HashExchange? Hashes { get; set; }

    /// <summary>The v2 handshake bit is ours for this torrent: a v2-only one, whose peers we may ask for hashes.</summary>
    public bool SpeaksV2 { get; set; }

    /// <summary>Our handshake's feature bits for this torrent.</summary>
    public Wire.ReservedBits Reserved => SpeaksV2 ? Engine.Reserved.WithV2() : Engine.Reserved;

    /// <summary>A hybrid's second swarm: its truncated v2 hash (<see cref="InfoHash"/> is the v1 one); null otherwise.</summary>
    public InfoHash? V2Swarm { get; init; }

    /// <summary>Our feature bits in a handshake under <paramref name="swarmHash"/>: in a hybrid's v2 swarm we say we speak v2.</summary>
    public Wire.ReservedBits ReservedFor(InfoHash swarmHash) => swarmHash == V2Swarm ? Engine.Reserved.WithV2() : Reserved;

    public Exception? Error { get; set; }

    public bool Stopped { get; set; }

    public bool Paused { get; set; }

    /// <summary>Downloading, uploading and dialling are on (not stopped, paused or failed).</summary>
    public bool IsActive => !Stopped && !Paused && Error is null;

    /// <summary>Every wanted piece verified (every piece, without a file selection): nothing more to download.</summary>
    public bool IsComplete => Picker?.IsFinished == true;

    /// <summary>What to fetch and in what order (file selection, sequential); kept here until the picker exists.</summary>
    public IPiecePolicy? Policy { get; set; }

    // Counters read without the lock.
    public long Downloaded, Uploaded, Wasted;
    public int HashFailures;

    public TimeSpan Elapsed(long since, long now) => Time.GetElapsedTime(since, now);
}
