using System.Buffers;
using Shoal.Bencoding;

namespace Shoal.Wire;

public enum MetadataMessageType
{
    Request = 0,
    Data = 1,
    Reject = 2,
}

/// <summary>
/// A BEP 9 <c>ut_metadata</c> message: a small bencoded dictionary (<c>msg_type</c>, <c>piece</c>, and for data
/// <c>total_size</c>), followed, for data, by the metadata piece itself. The metadata travels in 16 KiB pieces.
/// </summary>
public readonly record struct MetadataMessage(MetadataMessageType Type, int Piece, int TotalSize = 0)
{
    public const string ExtensionName = "ut_metadata";

    /// <summary>Every metadata piece is this size except the last.</summary>
    public const int PieceSize = 16 * 1024;

    /// <summary>Largest info dictionary Shoal accepts from peers (a 16 GiB torrent in 16 KiB pieces needs ~20 MiB).</summary>
    public const int MaxMetadataSize = 32 * 1024 * 1024;

    public const int MaxPieces = MaxMetadataSize / PieceSize;

    /// <summary>Metadata pieces needed for <paramref name="metadataSize"/> bytes.</summary>
    public static int PieceCount(int metadataSize) => (int)(((long)metadataSize + PieceSize - 1) / PieceSize);

    /// <summary>The exact length of piece <paramref name="piece"/> of metadata that is <paramref name="metadataSize"/> bytes long.</summary>
    public static int PieceLength(int piece, int metadataSize) => Math.Min(PieceSize, metadataSize - piece * PieceSize);

    public static byte[] EncodeRequest(int piece) => EncodeHeader(MetadataMessageType.Request, piece, null, []);

    public static byte[] EncodeReject(int piece) => EncodeHeader(MetadataMessageType.Reject, piece, null, []);

    public static byte[] EncodeData(int piece, int totalSize, ReadOnlySpan<byte> data) =>
        EncodeHeader(MetadataMessageType.Data, piece, totalSize, data);

    /// <summary>
    /// Parses a message. Returns false for a <c>msg_type</c> this version does not know (BEP 9: ignore it).
    /// Malformed messages (bad bencode, missing or out-of-range fields, trailing bytes outside a data message)
    /// throw <see cref="WireProtocolException"/>. For data, <paramref name="dataOffset"/> is where the piece starts.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> payload, out MetadataMessage message, out int dataOffset)
    {
        message = default;
        dataOffset = 0;
        long? type = null, piece = null, totalSize = null;
        int end;
        try
        {
            var reader = new BencodeReader(payload, maxDepth: 4);
            if (reader.Peek() != BencodeTokenType.DictionaryStart) throw new WireProtocolException("ut_metadata message is not a dictionary");
            reader.ReadDictionaryStart();
            while (!reader.TryReadEnd())
            {
                var key = reader.ReadString();
                if (key.SequenceEqual("msg_type"u8)) type = ReadInteger(ref reader, "msg_type");
                else if (key.SequenceEqual("piece"u8)) piece = ReadInteger(ref reader, "piece");
                else if (key.SequenceEqual("total_size"u8)) totalSize = ReadInteger(ref reader, "total_size");
                else reader.SkipValue();
            }
            end = reader.Position;
        }
        catch (BencodeException ex)
        {
            throw new WireProtocolException($"invalid ut_metadata message: {ex.Reason}");
        }
        if (type is null) throw new WireProtocolException("ut_metadata message without msg_type");
        if (type is < 0 or > 2) return false;
        var kind = (MetadataMessageType)type.Value;
        if (piece is not { } p || p < 0 || p >= MaxPieces) throw new WireProtocolException($"ut_metadata {kind} with a missing or out-of-range piece");
        int size = 0;
        if (kind == MetadataMessageType.Data)
        {
            if (totalSize is not { } t || t <= 0 || t > MaxMetadataSize)
                throw new WireProtocolException("ut_metadata data with a missing or out-of-range total_size");
            size = (int)t;
        }
        else if (end != payload.Length)
        {
            throw new WireProtocolException($"ut_metadata {kind} with {payload.Length - end} trailing bytes");
        }
        message = new MetadataMessage(kind, (int)p, size);
        dataOffset = end;
        return true;
    }

    /// <summary>Parses a message straight from a receive buffer (copied only when it spans segments).</summary>
    public static bool TryParse(ReadOnlySequence<byte> payload, out MetadataMessage message, out ReadOnlySequence<byte> data)
    {
        data = default;
        if (payload.IsSingleSegment)
        {
            bool known = TryParse(payload.FirstSpan, out message, out int offset);
            if (known) data = payload.Slice(offset);
            return known;
        }
        var copy = payload.ToArray();
        bool ok = TryParse(copy, out message, out int at);
        if (ok) data = new ReadOnlySequence<byte>(copy, at, copy.Length - at);
        return ok;
    }

    private static long ReadInteger(ref BencodeReader reader, string key)
    {
        if (reader.Peek() != BencodeTokenType.Integer) throw new WireProtocolException($"ut_metadata '{key}' is not an integer");
        return reader.ReadInteger();
    }

    private static byte[] EncodeHeader(MetadataMessageType type, int piece, int? totalSize, ReadOnlySpan<byte> data)
    {
        var buffer = new ArrayBufferWriter<byte>(48 + data.Length);
        var writer = new BencodeWriter(buffer);
        writer.WriteDictionaryStart();
        writer.WriteString("msg_type"u8);
        writer.WriteInteger((int)type);
        writer.WriteString("piece"u8);
        writer.WriteInteger(piece);
        if (totalSize is int size)
        {
            writer.WriteString("total_size"u8);
            writer.WriteInteger(size);
        }
        writer.WriteEnd();
        buffer.Write(data);
        return buffer.WrittenSpan.ToArray();
    }

    public override string ToString() => Type == MetadataMessageType.Data
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"ut_metadata data(piece {Piece}, total {TotalSize})")
        : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"ut_metadata {Type.ToString().ToLowerInvariant()}(piece {Piece})");
}
