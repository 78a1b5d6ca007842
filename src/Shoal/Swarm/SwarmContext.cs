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

    public InfoHash InfoHash { get; } = infoHash;

    /// <summary>The metadata; null while a magnet link's is being fetched.</summary>
    public TorrentInfo? Info { get; set; }

    /// <summary>Where verified pieces go; null until the metadata is known and storage is opened.</summary>
    public IPieceStorage? Storage { get; set; }

    /// <summary>What to download next, and the piece buffers; null until storage is attached.</summary>
    public PiecePicker? Picker { get; set; }

    /// <summary>The connected peers.</summary>
    public List<PeerConnection> Peers { get; } = [];

    /// <summary>Every address heard of, with its history and bans.</summary>
    public PeerBook Book { get; } = new(engine.Time);

    /// <summary>BEP 52 hash requests and answers; null for a v1 torrent (and before a magnet's metadata).</summary>
    public V2.HashExchange? Hashes { get; set; }

    /// <summary>The v2 handshake bit is ours for this torrent: a v2-only one, whose peers we may ask for hashes.</summary>
    public bool SpeaksV2 { get; set; }

    /// <summary>Our handshake's feature bits for this torrent.</summary>
    public Wire.ReservedBits Reserved => SpeaksV2 ? Engine.Reserved.WithV2() : Engine.Reserved;

    public Exception? Error { get; set; }

    public bool Stopped { get; set; }

    public bool Paused { get; set; }

    /// <summary>Downloading, uploading and dialling are on (not stopped, paused or failed).</summary>
    public bool IsActive => !Stopped && !Paused && Error is null;

    public bool IsComplete => Picker?.IsComplete == true;

    // Counters read without the lock.
    public long Downloaded, Uploaded, Wasted;
    public int HashFailures;

    public TimeSpan Elapsed(long since, long now) => Time.GetElapsedTime(since, now);
}
