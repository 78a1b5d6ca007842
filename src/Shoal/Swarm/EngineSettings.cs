using System.Net;
using System.Net.Sockets;
using Shoal.Wire;

namespace Shoal.Swarm;

/// <summary>Immutable engine settings; every default is what a user on a LAN or the internet would want.</summary>
public sealed record EngineSettings
{
    /// <summary>
    /// Address the listener binds to. The default, IPv6Any, is dual-stack: every interface, IPv4 and IPv6
    /// (falling back to IPv4 only where the OS has no IPv6).
    /// </summary>
    public IPAddress ListenAddress { get; init; } = Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any;

    /// <summary>Listen port; 0 = let the OS choose.</summary>
    public int ListenPort { get; init; }

    /// <summary>Upper bound on connected peers per torrent.</summary>
    public int MaxConnectionsPerTorrent { get; init; } = 80;

    /// <summary>Incoming connections still handshaking, over every torrent.</summary>
    public int MaxHandshakingConnections { get; init; } = 64;

    /// <summary>Incoming connections still handshaking from one address (loopback exempt).</summary>
    public int MaxHandshakingPerAddress { get; init; } = 4;

    /// <summary>Connections to one torrent from one address (loopback exempt: local swarms share 127.0.0.1).</summary>
    public int MaxConnectionsPerAddress { get; init; } = 4;

    /// <summary>A full torrent drops a peer neither side has been interested in, with no block for this long, for a newcomer.</summary>
    public TimeSpan UselessPeerTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Outgoing connection attempts in progress at once per torrent.</summary>
    public int MaxHalfOpen { get; init; } = 16;

    /// <summary>Peers unchoked by tit-for-tat, besides the optimistic unchoke.</summary>
    public int UploadSlots { get; init; } = 4;

    /// <summary>Bytes per second, 0 = unlimited.</summary>
    public long UploadRateLimit { get; init; }

    /// <summary>Bytes per second, 0 = unlimited.</summary>
    public long DownloadRateLimit { get; init; }

    /// <summary>
    /// Bound on memory held by piece buffers being downloaded or verified, per torrent. 16 MiB is ~20 ms of a loopback
    /// transfer at full speed: measured as fast as 32 MiB, with ~10 MB less peak RSS.
    /// </summary>
    public long MaxInFlightPieceBytes { get; init; } = 16L * 1024 * 1024;

    /// <summary>Most requests we keep outstanding to one peer (further bounded by the peer's advertised reqq).</summary>
    public int MaxRequestsPerPeer { get; init; } = 500;

    /// <summary>Fewest requests kept outstanding to an unchoking peer, whatever its measured rate.</summary>
    public int MinRequestsPerPeer { get; init; } = 32;

    /// <summary>Most requests we queue from one peer; we advertise this as our reqq.</summary>
    public int MaxQueuedRequestsFromPeer { get; init; } = 1000;

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A peer must complete its handshake within this time (defeats slow-loris connections).</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A peer that sends nothing at all for this long is disconnected.</summary>
    public TimeSpan InactivityTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>A peer that unchoked us but sends no requested block for this long is snubbed.</summary>
    public TimeSpan SnubTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan ChokeInterval { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan OptimisticUnchokeInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Pieces that fail verification with a peer's data before it is banned.</summary>
    public int HashFailuresBeforeBan { get; init; } = 2;

    /// <summary>
    /// Accept peers on loopback addresses at all (tests and demos run whole swarms on 127.0.0.1). Even so, a loopback
    /// address heard from the network (tracker, PEX, LSD) is dialled only when we listen on loopback ourselves or the
    /// one who told us is on this machine: a remote peer must not make us probe our own loopback ports.
    /// </summary>
    public bool AllowLoopbackPeers { get; init; } = true;

    /// <summary>Hashing workers (SHA-1 runs beside the network loops).</summary>
    public int VerifyWorkers { get; init; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>The client name sent in the extension handshake.</summary>
    public string ClientName { get; init; } = "Shoal 0.1.0";

    /// <summary>A send that makes no progress for this long closes the connection (a peer that never reads).</summary>
    public TimeSpan SendTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Bound on control messages (requests, rejects, haves, extension messages) queued for one peer, in bytes; a peer
    /// whose queue overflows does not read what we send, and is disconnected. The bitfield always fits.
    /// </summary>
    public int MaxOutboxBytes { get; init; } = 512 * 1024;

    /// <summary>Peer exchange (BEP 11) with peers that speak it; never for private torrents.</summary>
    public bool EnablePeerExchange { get; init; } = true;

    /// <summary>
    /// The DHT's UDP port (BEP 5), when a DHT runs: the handshake then sets the DHT bit and peers that set it are sent a
    /// <c>port</c> message. Null: no DHT bit, no port message. Port messages from peers reach
    /// <see cref="ClientEngine.DhtNodeSeen"/> either way.
    /// </summary>
    public int? DhtPort { get; init; }

    /// <summary>The largest metadata_size believed from a peer (BEP 9); peers announcing more are banned.</summary>
    public int MaxMetadataSize { get; init; } = MetadataMessage.MaxMetadataSize;

    /// <summary>Metadata pieces asked of one peer at a time.</summary>
    public int MetadataRequestsPerPeer { get; init; } = 8;

    /// <summary>A peer that leaves a metadata request unanswered this long is not asked for metadata again.</summary>
    public TimeSpan MetadataRequestTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Bounds and back-off of web seeds (BEP 19): request time, redirects, connections per server.</summary>
    public WebSeeds.WebSeedOptions WebSeeds { get; init; } = new();

    /// <summary>
    /// Seed of the engine's random choices (piece order, optimistic unchokes, seeding suggestions); null = a fresh seed.
    /// Tests fix it to get the same choices every run.
    /// </summary>
    public int? RandomSeed { get; init; }
}
