using System.Buffers;

namespace Shoal.Wire;

/// <summary>
/// One decoded peer message. <see cref="Payload"/> points into the connection's receive buffer and is valid
/// only until the reader advances — block data is copied straight from it into the piece buffer, never allocated.
/// </summary>
public readonly struct PeerMessage
{
    public MessageId Id { get; init; }

    /// <summary>Piece index (have, request, piece, cancel, reject, suggest, allowed fast) or the DHT port (port).</summary>
    public int Index { get; init; }

    /// <summary>Byte offset within the piece (request, piece, cancel, reject).</summary>
    public int Begin { get; init; }

    /// <summary>Block length (request, cancel, reject; for piece, the payload length).</summary>
    public int Length { get; init; }

    /// <summary>The extended message id (BEP 10), for <see cref="MessageId.Extended"/>.</summary>
    public byte ExtendedId { get; init; }

    /// <summary>
    /// Block data (piece), bitfield bytes (bitfield), the extension payload (extended), or everything after the id of a
    /// hash request, hashes or hash reject (read it with <see cref="HashRequest.Read(ReadOnlySequence{byte})"/> and
    /// <see cref="HashesMessage.Read"/>).
    /// </summary>
    public ReadOnlySequence<byte> Payload { get; init; }

    public override string ToString() => Id switch
    {
        MessageId.Request or MessageId.Cancel or MessageId.RejectRequest or MessageId.Piece => $"{Id}({Index},{Begin},{Length})",
        MessageId.Have or MessageId.SuggestPiece or MessageId.AllowedFast or MessageId.Port => $"{Id}({Index})",
        MessageId.Extended => $"Extended({ExtendedId}, {Payload.Length} bytes)",
        MessageId.HashRequest or MessageId.Hashes or MessageId.HashReject => $"{Id}({Payload.Length} bytes)",
        _ => Id.ToString(),
    };
}
