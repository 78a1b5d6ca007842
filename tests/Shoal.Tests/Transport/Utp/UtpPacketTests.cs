using CsCheck;
using Shoal.Transport.Utp;

namespace Shoal.Tests.Transport.Utp;

public sealed class UtpPacketTests
{
    private static byte[] Packet(UtpPacketType type, byte extension = 0, byte[]? extensions = null, byte[]? payload = null)
    {
        var header = new UtpHeader(type, extension, 0x1234, 0xDEADBEEF, 0x01020304, 65536, 65535, 7);
        var bytes = new byte[UtpHeader.Size + (extensions?.Length ?? 0) + (payload?.Length ?? 0)];
        header.WriteTo(bytes);
        extensions?.CopyTo(bytes, UtpHeader.Size);
        payload?.CopyTo(bytes, UtpHeader.Size + (extensions?.Length ?? 0));
        return bytes;
    }

    [Fact]
    public void The_header_is_written_as_BEP_29_lays_it_out_and_reads_back()
    {
        var bytes = Packet(UtpPacketType.Data, payload: [9, 9]);
        Assert.Equal("0100123" + "4DEADBEEF01020304000100" + "00FFFF0007" + "0909", Convert.ToHexString(bytes));
        Assert.True(UtpPacket.TryParse(bytes, out var packet));
        Assert.Equal(new UtpHeader(UtpPacketType.Data, 0, 0x1234, 0xDEADBEEF, 0x01020304, 65536, 65535, 7), packet.Header);
        Assert.Equal([9, 9], packet.Payload.ToArray());
        Assert.True(packet.SelectiveAck.IsEmpty);
    }

    [Fact]
    public void A_selective_ack_is_found_and_unknown_extensions_are_skipped()
    {
        // extension 3 (libtorrent's close reason, 4 bytes) then 1 (SACK, 4 bytes), then the end of the chain.
        byte[] extensions = [1, 4, 0, 0, 0, 9, 0, 4, 0b101, 0, 0, 0x80];
        Assert.True(UtpPacket.TryParse(Packet(UtpPacketType.State, extension: 3, extensions: extensions), out var packet));
        Assert.Equal([0b101, 0, 0, 0x80], packet.SelectiveAck.ToArray());
        Assert.True(packet.Payload.IsEmpty);
    }

    [Theory]
    [InlineData("short")]
    [InlineData("version 2")]
    [InlineData("type 5")]
    [InlineData("extension past the end")]
    [InlineData("extension length past the end")]
    [InlineData("too many extensions")]
    [InlineData("payload on a STATE")]
    [InlineData("payload on a SYN")]
    public void Malformed_packets_are_refused(string what)
    {
        byte[] bytes = what switch
        {
            "short" => Packet(UtpPacketType.Data)[..19],
            "version 2" => [.. Packet(UtpPacketType.Data).Select((b, i) => i == 0 ? (byte)0x02 : b)],
            "type 5" => [.. Packet(UtpPacketType.Data).Select((b, i) => i == 0 ? (byte)0x51 : b)],
            "extension past the end" => Packet(UtpPacketType.State, extension: 1, extensions: [0]),
            "extension length past the end" => Packet(UtpPacketType.State, extension: 1, extensions: [0, 8, 1, 2, 3]),
            "too many extensions" => Packet(UtpPacketType.State, extension: 2, extensions: [.. Enumerable.Repeat(new byte[] { 2, 0 }, 9).SelectMany(x => x)]),
            "payload on a STATE" => Packet(UtpPacketType.State, payload: [1]),
            "payload on a SYN" => Packet(UtpPacketType.Syn, payload: [1]),
            _ => throw new ArgumentException(what),
        };
        Assert.False(UtpPacket.TryParse(bytes, out _));
    }

    [Fact]
    public void Only_version_1_headers_of_known_types_look_like_utp_and_never_a_krpc_message()
    {
        Assert.True(UtpHeader.LooksLikeUtp(0x01));
        Assert.True(UtpHeader.LooksLikeUtp(0x41));
        Assert.False(UtpHeader.LooksLikeUtp(0x51));
        Assert.False(UtpHeader.LooksLikeUtp((byte)'d'));
    }

    [Fact]
    public void Any_bytes_parse_or_are_refused_without_throwing_and_slices_stay_inside_the_datagram()
    {
        Gen.Byte.Array[0, 120].Sample(bytes =>
        {
            if (bytes.Length > 0) bytes[0] = (byte)(bytes[0] & 0x70 | 0x01); // mostly plausible first bytes
            if (!UtpPacket.TryParse(bytes, out var packet)) return;
            Assert.True(packet.Payload.Length + packet.SelectiveAck.Length <= bytes.Length - UtpHeader.Size);
        }, iter: 20_000);
    }

    [Theory]
    [InlineData(65535, 0, true)]
    [InlineData(0, 65535, false)]
    [InlineData(100, 200, true)]
    [InlineData(200, 100, false)]
    [InlineData(5, 5, false)]
    [InlineData(0, 32767, true)]
    public void Sequence_numbers_compare_across_the_wrap(int a, int b, bool before)
    {
        Assert.Equal(before, SequenceNumber.Before((ushort)a, (ushort)b));
        Assert.Equal(before || a == b, SequenceNumber.BeforeOrEqual((ushort)a, (ushort)b));
    }
}
