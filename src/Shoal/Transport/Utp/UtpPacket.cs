namespace Shoal.Transport.Utp;

/// <summary>
/// One received uTP datagram, parsed without copying: the header, the selective-ACK bitmask (empty when absent) and
/// the payload. Parsing is bounded by the datagram: the extension chain is walked at most <see cref="MaxExtensions"/>
/// links, and every extension length is checked against what is left.
/// </summary>
public readonly ref struct UtpPacket
{
    /// <summary>More extensions than any implementation sends; a longer chain is refused rather than walked.</summary>
    public const int MaxExtensions = 8;

    public UtpPacket(UtpHeader header, ReadOnlySpan<byte> selectiveAck, ReadOnlySpan<byte> payload)
    {
        Header = header;
        SelectiveAck = selectiveAck;
        Payload = payload;
    }

    public UtpHeader Header { get; }

    /// <summary>The SACK bitmask: bit i (LSB first within each byte) stands for ack_nr + 2 + i.</summary>
    public ReadOnlySpan<byte> SelectiveAck { get; }

    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>
    /// Parses a datagram. False for anything that is not a well-formed uTP v1 packet: too short, wrong version, unknown
    /// type, an extension running past the end, too many extensions, or a payload on a packet type that has none
    /// (SYN, STATE, RESET; a FIN's payload is tolerated and ignored, as libtorrent does).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> datagram, out UtpPacket packet)
    {
        packet = default;
        if (!UtpHeader.TryRead(datagram, out var header)) return false;
        var rest = datagram[UtpHeader.Size..];
        var sack = ReadOnlySpan<byte>.Empty;
        byte extension = header.Extension;
        for (int links = 0; extension != 0; links++)
        {
            if (links == MaxExtensions || rest.Length < 2) return false;
            byte next = rest[0];
            int length = rest[1];
            if (rest.Length < 2 + length) return false;
            if (extension == UtpHeader.SelectiveAckExtension && sack.IsEmpty) sack = rest.Slice(2, length);
            rest = rest[(2 + length)..];
            extension = next;
        }
        if (!rest.IsEmpty && header.Type is UtpPacketType.Syn or UtpPacketType.State or UtpPacketType.Reset) return false;
        packet = new UtpPacket(header, sack, header.Type == UtpPacketType.Fin ? default : rest);
        return true;
    }
}
