using System.Buffers.Binary;

namespace Shoal.Wire;

/// <summary>
/// Encodes peer messages into a caller-supplied span (the connection's send buffer); each method returns the
/// number of bytes written. Nothing here allocates.
/// </summary>
public static class MessageWriter
{
    public const int KeepAliveLength = 4;
    public const int SimpleLength = 5;
    public const int IndexMessageLength = 9;
    public const int RequestLength = 17;
    public const int PieceHeaderLength = 13;
    public const int HashRequestLength = 5 + HashRequest.EncodedLength;

    public static int WriteKeepAlive(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, 0);
        return KeepAliveLength;
    }

    /// <summary>Choke, unchoke, interested, not interested, have all, have none.</summary>
    public static int WriteSimple(Span<byte> destination, MessageId id)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, 1);
        destination[4] = (byte)id;
        return SimpleLength;
    }

    /// <summary>Have, suggest piece, allowed fast.</summary>
    public static int WriteIndexMessage(Span<byte> destination, MessageId id, int index)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, 5);
        destination[4] = (byte)id;
        BinaryPrimitives.WriteUInt32BigEndian(destination[5..], (uint)index);
        return IndexMessageLength;
    }

    /// <summary>Request, cancel, reject request.</summary>
    public static int WriteRequest(Span<byte> destination, MessageId id, int index, int begin, int length)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, 13);
        destination[4] = (byte)id;
        BinaryPrimitives.WriteUInt32BigEndian(destination[5..], (uint)index);
        BinaryPrimitives.WriteUInt32BigEndian(destination[9..], (uint)begin);
        BinaryPrimitives.WriteUInt32BigEndian(destination[13..], (uint)length);
        return RequestLength;
    }

    /// <summary>The 13-byte header of a piece message; the caller writes <paramref name="blockLength"/> data bytes after it.</summary>
    public static int WritePieceHeader(Span<byte> destination, int index, int begin, int blockLength)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)(9 + blockLength));
        destination[4] = (byte)MessageId.Piece;
        BinaryPrimitives.WriteUInt32BigEndian(destination[5..], (uint)index);
        BinaryPrimitives.WriteUInt32BigEndian(destination[9..], (uint)begin);
        return PieceHeaderLength;
    }

    public static int WriteBitfield(Span<byte> destination, ReadOnlySpan<byte> bitfield)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)(1 + bitfield.Length));
        destination[4] = (byte)MessageId.Bitfield;
        bitfield.CopyTo(destination[5..]);
        return 5 + bitfield.Length;
    }

    public static int WritePort(Span<byte> destination, ushort port)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, 3);
        destination[4] = (byte)MessageId.Port;
        BinaryPrimitives.WriteUInt16BigEndian(destination[5..], port);
        return 7;
    }

    /// <summary>A BEP 52 hash request or hash reject (<paramref name="id"/>) for <paramref name="request"/>.</summary>
    public static int WriteHashRequest(Span<byte> destination, MessageId id, in HashRequest request)
    {
        if (id is not (MessageId.HashRequest or MessageId.HashReject)) throw new ArgumentException($"{id} is not a hash request or reject", nameof(id));
        BinaryPrimitives.WriteUInt32BigEndian(destination, 1 + HashRequest.EncodedLength);
        destination[4] = (byte)id;
        request.WriteTo(destination[5..]);
        return HashRequestLength;
    }

    /// <summary>A BEP 52 'hashes' answer: the request, then <paramref name="hashes"/> (base hashes and uncles, as <see cref="Metainfo.MerkleProof.Write(Metainfo.MerkleTree, int, long, int, int, Span{byte})"/> writes them).</summary>
    public static int WriteHashes(Span<byte> destination, in HashRequest request, ReadOnlySpan<byte> hashes)
    {
        if (hashes.Length != request.AnswerHashCount * Metainfo.Merkle.HashSize)
            throw new ArgumentException($"the answer to {request} has {request.AnswerHashCount} hashes, not {hashes.Length / 32.0}", nameof(hashes));
        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)(1 + HashRequest.EncodedLength + hashes.Length));
        destination[4] = (byte)MessageId.Hashes;
        request.WriteTo(destination[5..]);
        hashes.CopyTo(destination[(5 + HashRequest.EncodedLength)..]);
        return 5 + HashRequest.EncodedLength + hashes.Length;
    }

    /// <summary>An extended message (BEP 10): id 20, the extension's id, then its payload.</summary>
    public static int WriteExtended(Span<byte> destination, byte extendedId, ReadOnlySpan<byte> payload)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)(2 + payload.Length));
        destination[4] = (byte)MessageId.Extended;
        destination[5] = extendedId;
        payload.CopyTo(destination[6..]);
        return 6 + payload.Length;
    }
}
