using System.Buffers;
using System.Runtime.CompilerServices;
using Shoal.Wire;

namespace Shoal.Swarm;

/// <summary>
/// Serves our info dictionary to peers that ask (BEP 9, <c>ut_metadata</c>): advertises <c>metadata_size</c>, answers
/// requests with 16 KiB pieces of <see cref="Metainfo.TorrentInfo.RawInfo"/>. Each connection gets a budget of a few
/// times the piece count; past it requests are rejected, and a peer that keeps asking far beyond it is disconnected.
/// </summary>
internal sealed class MetadataExtension : IPeerExtension
{
    private readonly ReadOnlyMemory<byte> _metadata;
    private readonly int _pieceCount;
    private readonly int _budget;
    private readonly ConditionalWeakTable<PeerConnection, StrongBox<int>> _requests = new();

    public MetadataExtension(ReadOnlyMemory<byte> metadata)
    {
        _metadata = metadata;
        _pieceCount = MetadataMessage.PieceCount(metadata.Length);
        _budget = 3 * _pieceCount + 4;
    }

    public string Name => MetadataMessage.ExtensionName;

    /// <summary>Requests a peer may send beyond its budget (all rejected) before it is disconnected.</summary>
    public int FloodAllowance => 4 * _budget + 64;

    public void Contribute(ExtensionHandshake handshake) => handshake.MetadataSize = _metadata.Length;

    public void OnMessage(PeerConnection peer, ReadOnlySequence<byte> payload)
    {
        if (!MetadataMessage.TryParse(payload, out var message, out _)) return;
        // Data and rejects are answers to requests; we never ask, as we have the metadata already.
        if (message.Type != MetadataMessageType.Request) return;
        if (peer.Extensions?.Extensions.GetValueOrDefault(Name) is not (> 0 and var replyId)) return;
        var reply = Answer(_requests.GetOrCreateValue(peer), message.Piece);
        peer.Enqueue(new Outgoing(MessageId.Extended, Index: replyId, Payload: reply));
    }

    /// <summary>The reply to a request for <paramref name="piece"/>, counting it against the peer's budget.</summary>
    internal byte[] Answer(StrongBox<int> served, int piece)
    {
        int count = ++served.Value;
        if (count > _budget + FloodAllowance) throw new WireProtocolException("ut_metadata request flood");
        if (count > _budget || piece >= _pieceCount) return MetadataMessage.EncodeReject(piece);
        int length = MetadataMessage.PieceLength(piece, _metadata.Length);
        return MetadataMessage.EncodeData(piece, _metadata.Length, _metadata.Span.Slice(piece * MetadataMessage.PieceSize, length));
    }
}
