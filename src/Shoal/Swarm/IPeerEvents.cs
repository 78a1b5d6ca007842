using Shoal.Wire;

namespace Shoal.Swarm;

/// <summary>
/// What a connection's loops tell its torrent, and the little they need from it (Transmission's peer-msgs mediator):
/// the connection decodes, the torrent decides. Called on the connection's own loops, outside the torrent's lock.
/// </summary>
internal interface IPeerEvents
{
    /// <summary>Bound on one message from this torrent's peers (grows with the piece count once it is known).</summary>
    int MaxMessageLength { get; }

    /// <summary>One decoded message (keep-alives excluded). Throws <see cref="WireProtocolException"/> to drop the peer.</summary>
    void OnMessage(PeerConnection peer, in PeerMessage message);

    /// <summary>A batch of received messages was handled; <paramref name="blockBytes"/> of block data were in it.</summary>
    void OnBatchReceived(PeerConnection peer, long blockBytes);

    /// <summary>Reads a block we upload straight into the send buffer.</summary>
    ValueTask ReadBlockAsync(BlockRequest block, Memory<byte> destination, CancellationToken ct);

    /// <summary>A block went out.</summary>
    void OnUploaded(PeerConnection peer, int bytes);
}
