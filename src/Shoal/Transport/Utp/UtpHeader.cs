using System.Buffers.Binary;

namespace Shoal.Transport.Utp;

/// <summary>The uTP packet types (BEP 29): the high nibble of the first header byte.</summary>
public enum UtpPacketType : byte
{
    Data = 0,
    Fin = 1,
    State = 2,
    Reset = 3,
    Syn = 4,
}

/// <summary>
/// The 20-byte uTP header (BEP 29), all fields big-endian:
/// type&lt;&lt;4|version, extension, connection_id, timestamp_microseconds, timestamp_difference_microseconds,
/// wnd_size, seq_nr, ack_nr.
/// </summary>
public readonly record struct UtpHeader(
    UtpPacketType Type,
    byte Extension,
    ushort ConnectionId,
    uint TimestampMicros,
    uint TimestampDifferenceMicros,
    uint WindowSize,
    ushort SequenceNumber,
    ushort AckNumber)
{
    public const int Size = 20;
    public const byte Version = 1;

    /// <summary>The first extension type in the linked list after the header: 1 is selective ACK.</summary>
    public const byte SelectiveAckExtension = 1;

    /// <summary>True when <paramref name="first"/> could start a uTP packet (version 1, a known type): what the shared port dispatches on.</summary>
    public static bool LooksLikeUtp(byte first) => (first & 0x0F) == Version && first >> 4 <= (int)UtpPacketType.Syn;

    public void WriteTo(Span<byte> destination)
    {
        destination[0] = (byte)((int)Type << 4 | Version);
        destination[1] = Extension;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], ConnectionId);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], TimestampMicros);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], TimestampDifferenceMicros);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], WindowSize);
        BinaryPrimitives.WriteUInt16BigEndian(destination[16..], SequenceNumber);
        BinaryPrimitives.WriteUInt16BigEndian(destination[18..], AckNumber);
    }

    /// <summary>Reads the fixed header; false when the datagram is too short, not version 1 or of an unknown type.</summary>
    public static bool TryRead(ReadOnlySpan<byte> datagram, out UtpHeader header)
    {
        header = default;
        if (datagram.Length < Size || !LooksLikeUtp(datagram[0])) return false;
        header = new UtpHeader(
            (UtpPacketType)(datagram[0] >> 4),
            datagram[1],
            BinaryPrimitives.ReadUInt16BigEndian(datagram[2..]),
            BinaryPrimitives.ReadUInt32BigEndian(datagram[4..]),
            BinaryPrimitives.ReadUInt32BigEndian(datagram[8..]),
            BinaryPrimitives.ReadUInt32BigEndian(datagram[12..]),
            BinaryPrimitives.ReadUInt16BigEndian(datagram[16..]),
            BinaryPrimitives.ReadUInt16BigEndian(datagram[18..]));
        return true;
    }
}
