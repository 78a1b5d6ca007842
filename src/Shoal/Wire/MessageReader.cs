using System.Buffers;
using System.Buffers.Binary;

namespace Shoal.Wire;

/// <summary>
/// Decodes length-prefixed peer messages from a receive buffer. Every length is bounded before anything is
/// buffered for it, and every fixed-size message must have exactly its size: a violation throws
/// <see cref="WireProtocolException"/> and the connection is dropped.
/// </summary>
public static class MessageReader
{
    /// <summary>The largest block Shoal requests or serves (the de-facto standard; larger requests are refused).</summary>
    public const int MaxBlockLength = 16 * 1024;

    /// <summary>Bound on extension messages (ut_metadata data messages are 16 KiB plus a small header).</summary>
    public const int MaxExtendedLength = 64 * 1024;

    /// <summary>
    /// The largest message accepted from a peer of a torrent with <paramref name="pieceCount"/> pieces; with
    /// <paramref name="v2"/>, large enough for the largest BEP 52 'hashes' answer.
    /// </summary>
    public static int MaxMessageLength(int pieceCount, bool v2 = false) =>
        Math.Max(Math.Max(Math.Max(1 + (pieceCount + 7) / 8, 9 + MaxBlockLength), 2 + MaxExtendedLength), v2 ? 1 + HashesMessage.MaxPayloadLength : 0);

    /// <summary>
    /// Tries to decode one message from the front of <paramref name="buffer"/>. On success the buffer is sliced past it.
    /// Returns false when more bytes are needed.
    /// </summary>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, int maxLength, out PeerMessage message)
    {
        message = default;
        if (buffer.Length < 4) return false;
        uint length = ReadUInt32(buffer);
        if (length > (uint)maxLength) throw new WireProtocolException($"message of {length} bytes exceeds the {maxLength}-byte limit");
        if (buffer.Length < 4 + length) return false;
        if (length == 0)
        {
            message = new PeerMessage { Id = MessageId.KeepAlive };
            buffer = buffer.Slice(4);
            return true;
        }
        var body = buffer.Slice(4, length);
        message = Decode(body);
        buffer = buffer.Slice(body.End);
        return true;
    }

    private static PeerMessage Decode(ReadOnlySequence<byte> body)
    {
        var id = (MessageId)body.FirstSpan[0];
        int length = (int)body.Length;
        switch (id)
        {
            case MessageId.Choke or MessageId.Unchoke or MessageId.Interested or MessageId.NotInterested
                or MessageId.HaveAll or MessageId.HaveNone:
                Expect(id, length, 1);
                return new PeerMessage { Id = id };
            case MessageId.Have or MessageId.SuggestPiece or MessageId.AllowedFast:
                Expect(id, length, 5);
                return new PeerMessage { Id = id, Index = ReadIndex(body, 1) };
            case MessageId.Request or MessageId.Cancel or MessageId.RejectRequest:
            {
                Expect(id, length, 13);
                Span<byte> fields = stackalloc byte[12];
                body.Slice(1, 12).CopyTo(fields);
                return new PeerMessage
                {
                    Id = id,
                    Index = ToIndex(BinaryPrimitives.ReadUInt32BigEndian(fields)),
                    Begin = ToIndex(BinaryPrimitives.ReadUInt32BigEndian(fields[4..])),
                    Length = ToIndex(BinaryPrimitives.ReadUInt32BigEndian(fields[8..])),
                };
            }
            case MessageId.Piece:
            {
                if (length < 9) throw new WireProtocolException($"piece message of {length} bytes is too short");
                Span<byte> fields = stackalloc byte[8];
                body.Slice(1, 8).CopyTo(fields);
                return new PeerMessage
                {
                    Id = id,
                    Index = ToIndex(BinaryPrimitives.ReadUInt32BigEndian(fields)),
                    Begin = ToIndex(BinaryPrimitives.ReadUInt32BigEndian(fields[4..])),
                    Length = length - 9,
                    Payload = body.Slice(9),
                };
            }
            case MessageId.Bitfield:
                return new PeerMessage { Id = id, Length = length - 1, Payload = body.Slice(1) };
            case MessageId.Port:
            {
                Expect(id, length, 3);
                Span<byte> port = stackalloc byte[2];
                body.Slice(1, 2).CopyTo(port);
                return new PeerMessage { Id = id, Index = BinaryPrimitives.ReadUInt16BigEndian(port) };
            }
            case MessageId.Extended:
            {
                if (length < 2) throw new WireProtocolException("extended message without an id");
                if (length - 2 > MaxExtendedLength) throw new WireProtocolException($"extended message of {length} bytes is too long");
                var payload = body.Slice(1);
                return new PeerMessage { Id = id, ExtendedId = payload.FirstSpan[0], Length = length - 2, Payload = payload.Slice(1) };
            }
            case MessageId.HashRequest or MessageId.HashReject:
                Expect(id, length, 1 + HashRequest.EncodedLength);
                return new PeerMessage { Id = id, Length = length - 1, Payload = body.Slice(1) };
            case MessageId.Hashes:
                // The count is checked against the header by HashesMessage.Read; here only the shape and the bound.
                if (length < 1 + HashRequest.EncodedLength || (length - 1 - HashRequest.EncodedLength) % Metainfo.Merkle.HashSize != 0
                    || length - 1 > HashesMessage.MaxPayloadLength)
                    throw new WireProtocolException($"hashes message of {length} bytes is malformed");
                return new PeerMessage { Id = id, Length = length - 1, Payload = body.Slice(1) };
            default:
                throw new WireProtocolException($"unknown message id {(byte)id}");
        }
    }

    private static void Expect(MessageId id, int actual, int expected)
    {
        if (actual != expected) throw new WireProtocolException($"{id} message is {actual} bytes, expected {expected}");
    }

    private static int ReadIndex(ReadOnlySequence<byte> body, int offset)
    {
        Span<byte> bytes = stackalloc byte[4];
        body.Slice(offset, 4).CopyTo(bytes);
        return ToIndex(BinaryPrimitives.ReadUInt32BigEndian(bytes));
    }

    // Indices and lengths beyond int range cannot be valid for any torrent we accept.
    private static int ToIndex(uint value) =>
        value <= int.MaxValue ? (int)value : throw new WireProtocolException($"field value {value} out of range");

    private static uint ReadUInt32(ReadOnlySequence<byte> buffer)
    {
        var first = buffer.FirstSpan;
        if (first.Length >= 4) return BinaryPrimitives.ReadUInt32BigEndian(first);
        Span<byte> bytes = stackalloc byte[4];
        buffer.Slice(0, 4).CopyTo(bytes);
        return BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }
}
