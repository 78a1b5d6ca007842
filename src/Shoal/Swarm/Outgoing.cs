using Shoal.Wire;

namespace Shoal.Swarm;

/// <summary>
/// A message waiting in a connection's send queue. Blocks we upload are queued as requests and read from
/// storage straight into the send buffer only when their turn comes, so queued uploads cost no memory.
/// </summary>
internal readonly record struct Outgoing(MessageId Id, int Index = 0, int Begin = 0, int Length = 0, byte[]? Payload = null)
{
    /// <summary>Bytes this message occupies on the wire.</summary>
    public int WireSize => Id switch
    {
        MessageId.KeepAlive => MessageWriter.KeepAliveLength,
        MessageId.Have or MessageId.SuggestPiece or MessageId.AllowedFast => MessageWriter.IndexMessageLength,
        MessageId.Request or MessageId.Cancel or MessageId.RejectRequest => MessageWriter.RequestLength,
        MessageId.Piece => MessageWriter.PieceHeaderLength + Length,
        MessageId.Bitfield => 5 + Payload!.Length,
        MessageId.Extended => 6 + Payload!.Length,
        MessageId.Port => 7,
        MessageId.HashRequest or MessageId.Hashes or MessageId.HashReject => Payload!.Length, // encoded whole by Swarm/V2
        _ => MessageWriter.SimpleLength,
    };

    /// <summary>Encodes everything but piece data; returns bytes written.</summary>
    public int Encode(Span<byte> destination) => Id switch
    {
        MessageId.KeepAlive => MessageWriter.WriteKeepAlive(destination),
        MessageId.Have or MessageId.SuggestPiece or MessageId.AllowedFast => MessageWriter.WriteIndexMessage(destination, Id, Index),
        MessageId.Request or MessageId.Cancel or MessageId.RejectRequest => MessageWriter.WriteRequest(destination, Id, Index, Begin, Length),
        MessageId.Bitfield => MessageWriter.WriteBitfield(destination, Payload),
        MessageId.Extended => MessageWriter.WriteExtended(destination, (byte)Index, Payload),
        MessageId.Port => MessageWriter.WritePort(destination, (ushort)Index),
        MessageId.HashRequest or MessageId.Hashes or MessageId.HashReject => CopyEncoded(destination),
        MessageId.Piece => throw new InvalidOperationException("piece messages are written by the send loop"),
        _ => MessageWriter.WriteSimple(destination, Id),
    };

    private int CopyEncoded(Span<byte> destination)
    {
        Payload.CopyTo(destination);
        return Payload!.Length;
    }
}
