using System.Runtime.CompilerServices;
using Shoal.Wire;

namespace Shoal.Swarm;

/// <summary>
/// Serves our info dictionary in 16 KiB pieces (BEP 9). Each connection gets a budget of a few times the piece count;
/// past it requests are rejected, and a peer that keeps asking far beyond it is disconnected.
/// </summary>
internal sealed class MetadataServer
{
    private readonly ReadOnlyMemory<byte> _metadata;
    private readonly int _pieceCount;
    private readonly int _budget;
    private readonly ConditionalWeakTable<IExtensionPeer, StrongBox<int>> _served = new();

    public MetadataServer(ReadOnlyMemory<byte> metadata)
    {
        _metadata = metadata;
        _pieceCount = MetadataMessage.PieceCount(metadata.Length);
        _budget = 3 * _pieceCount + 4;
    }

    public int Size => _metadata.Length;

    /// <summary>Requests a peer may send beyond its budget (all rejected) before it is disconnected.</summary>
    public int FloodAllowance => 4 * _budget + 64;

    /// <summary>The reply to <paramref name="peer"/>'s request for <paramref name="piece"/>, counted against its budget.</summary>
    public byte[] Answer(IExtensionPeer peer, int piece)
    {
        int count = ++_served.GetOrCreateValue(peer).Value;
        if (count > _budget + FloodAllowance) throw new WireProtocolException("ut_metadata request flood");
        if (count > _budget || piece >= _pieceCount) return MetadataMessage.EncodeReject(piece);
        int length = MetadataMessage.PieceLength(piece, _metadata.Length);
        return MetadataMessage.EncodeData(piece, _metadata.Length, _metadata.Span.Slice(piece * MetadataMessage.PieceSize, length));
    }
}
