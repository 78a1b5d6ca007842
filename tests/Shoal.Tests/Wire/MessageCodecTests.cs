using System.Buffers;
using System.Net;
using CsCheck;
using Shoal.Metainfo;
using Shoal.Wire;

namespace Shoal.Tests.Wire;

public class MessageCodecTests
{
    private const int Max = 1 << 20;

    private static PeerMessage DecodeOne(byte[] bytes)
    {
        var sequence = new ReadOnlySequence<byte>(bytes);
        Assert.True(MessageReader.TryRead(ref sequence, Max, out var message));
        Assert.Equal(0, sequence.Length);
        return message;
    }

    private static byte[] Encode(Func<byte[], int> write)
    {
        var buffer = new byte[64 * 1024];
        int n = write(buffer);
        return buffer[..n];
    }

    [Theory]
    [InlineData(MessageId.Choke)]
    [InlineData(MessageId.Unchoke)]
    [InlineData(MessageId.Interested)]
    [InlineData(MessageId.NotInterested)]
    [InlineData(MessageId.HaveAll)]
    [InlineData(MessageId.HaveNone)]
    public void Simple_messages_round_trip(MessageId id)
    {
        var message = DecodeOne(Encode(b => MessageWriter.WriteSimple(b, id)));
        Assert.Equal(id, message.Id);
    }

    [Theory]
    [InlineData(MessageId.Have)]
    [InlineData(MessageId.SuggestPiece)]
    [InlineData(MessageId.AllowedFast)]
    public void Index_messages_round_trip(MessageId id)
    {
        var message = DecodeOne(Encode(b => MessageWriter.WriteIndexMessage(b, id, 123456)));
        Assert.Equal(id, message.Id);
        Assert.Equal(123456, message.Index);
    }

    [Theory]
    [InlineData(MessageId.Request)]
    [InlineData(MessageId.Cancel)]
    [InlineData(MessageId.RejectRequest)]
    public void Request_messages_round_trip(MessageId id)
    {
        var message = DecodeOne(Encode(b => MessageWriter.WriteRequest(b, id, 7, 16384, 16384)));
        Assert.Equal((id, 7, 16384, 16384), (message.Id, message.Index, message.Begin, message.Length));
    }

    [Fact]
    public void Piece_message_exposes_block_without_copying()
    {
        var block = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        var bytes = Encode(b =>
        {
            int n = MessageWriter.WritePieceHeader(b, 3, 32768, block.Length);
            block.CopyTo(b, n);
            return n + block.Length;
        });
        var message = DecodeOne(bytes);
        Assert.Equal((MessageId.Piece, 3, 32768, 1000), (message.Id, message.Index, message.Begin, message.Length));
        Assert.Equal(block, message.Payload.ToArray());
    }

    [Fact]
    public void Bitfield_extended_port_and_keepalive_round_trip()
    {
        Assert.Equal(new byte[] { 0xF0, 0x01 }, DecodeOne(Encode(b => MessageWriter.WriteBitfield(b, [0xF0, 0x01]))).Payload.ToArray());
        var ext = DecodeOne(Encode(b => MessageWriter.WriteExtended(b, 3, "d1:ai1ee"u8)));
        Assert.Equal((MessageId.Extended, (byte)3), (ext.Id, ext.ExtendedId));
        Assert.Equal("d1:ai1ee"u8.ToArray(), ext.Payload.ToArray());
        Assert.Equal(6881, DecodeOne(Encode(b => MessageWriter.WritePort(b, 6881))).Index);
        Assert.Equal(MessageId.KeepAlive, DecodeOne(Encode(b => MessageWriter.WriteKeepAlive(b))).Id);
    }

    [Fact]
    public void Incomplete_message_waits_for_more_bytes()
    {
        var bytes = Encode(b => MessageWriter.WriteRequest(b, MessageId.Request, 1, 2, 3));
        for (int cut = 0; cut < bytes.Length; cut++)
        {
            var sequence = new ReadOnlySequence<byte>(bytes, 0, cut);
            Assert.False(MessageReader.TryRead(ref sequence, Max, out _));
            Assert.Equal(cut, sequence.Length);
        }
    }

    [Fact]
    public void Oversized_length_prefix_is_refused_before_buffering()
    {
        var sequence = new ReadOnlySequence<byte>([0x7F, 0xFF, 0xFF, 0xFF]);
        var ex = Assert.Throws<WireProtocolException>(() => MessageReader.TryRead(ref sequence, Max, out _));
        Assert.Contains("exceeds", ex.Message);
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0, 2, 0, 0 }, "Choke message is 2 bytes")]
    [InlineData(new byte[] { 0, 0, 0, 4, 4, 0, 0, 0 }, "Have message is 4 bytes")]
    [InlineData(new byte[] { 0, 0, 0, 1, 99 }, "unknown message id 99")]
    [InlineData(new byte[] { 0, 0, 0, 5, 4, 0xFF, 0xFF, 0xFF, 0xFF }, "out of range")]
    [InlineData(new byte[] { 0, 0, 0, 1, 20 }, "extended message without an id")]
    public void Malformed_messages_are_protocol_violations(byte[] bytes, string expected)
    {
        var sequence = new ReadOnlySequence<byte>(bytes);
        var ex = Assert.Throws<WireProtocolException>(() => MessageReader.TryRead(ref sequence, Max, out _));
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void Messages_split_across_segments_decode_the_same()
    {
        var stream = new List<byte>();
        stream.AddRange(Encode(b => MessageWriter.WriteRequest(b, MessageId.Request, 9, 16384, 16384)));
        stream.AddRange(Encode(b => MessageWriter.WriteIndexMessage(b, MessageId.Have, 42)));
        stream.AddRange(Encode(b => { int n = MessageWriter.WritePieceHeader(b, 1, 0, 300); return n + 300; }));
        var bytes = stream.ToArray();
        Gen.Int[1, bytes.Length - 1].Array[0, 6].Sample(cuts =>
        {
            var sequence = Segments.Split(bytes, cuts);
            var ids = new List<MessageId>();
            while (MessageReader.TryRead(ref sequence, Max, out var m)) ids.Add(m.Id);
            Assert.Equal([MessageId.Request, MessageId.Have, MessageId.Piece], ids);
        });
    }

    [Fact]
    public void Random_bytes_only_ever_raise_WireProtocolException()
    {
        Gen.Byte.Array[0, 200].Sample(bytes =>
        {
            var sequence = new ReadOnlySequence<byte>(bytes);
            try
            {
                while (MessageReader.TryRead(ref sequence, 4096, out _)) { }
            }
            catch (WireProtocolException) { }
        }, iter: 20_000);
    }

    [Fact]
    public void Handshake_round_trips_and_rejects_other_protocols()
    {
        var hash = InfoHash.Parse("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        var id = PeerId.Generate();
        var buffer = new byte[Handshake.Length];
        new Handshake(hash, id, ReservedBits.Shoal).WriteTo(buffer);
        var parsed = Handshake.Parse(buffer);
        Assert.Equal(hash, parsed.InfoHash);
        Assert.Equal(id, parsed.PeerId.ToArray());
        Assert.True(parsed.Reserved.SupportsExtensionProtocol);
        Assert.True(parsed.Reserved.SupportsFastExtension);
        Assert.False(parsed.Reserved.SupportsDht);
        Assert.Equal(0x10, buffer[20 + 5]);
        Assert.Equal(0x04, buffer[20 + 7]);
        buffer[1] = (byte)'X';
        Assert.Throws<WireProtocolException>(() => Handshake.Parse(buffer));
    }

    [Fact]
    public void Peer_id_has_client_prefix()
    {
        var id = PeerId.Generate();
        Assert.Equal(20, id.Length);
        Assert.Equal("SH0100", PeerId.Describe(id));
    }

    [Fact]
    public void Allowed_fast_set_matches_the_BEP_6_example()
    {
        var hash = InfoHash.Parse("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        Assert.Equal([1059, 431, 808, 1217, 287, 376, 1188], AllowedFastSet.Compute(IPAddress.Parse("80.4.4.200"), hash, 1313, 7));
        Assert.Equal([1059, 431, 808, 1217, 287, 376, 1188, 353, 508], AllowedFastSet.Compute(IPAddress.Parse("80.4.4.200"), hash, 1313, 9));
        Assert.Empty(AllowedFastSet.Compute(IPAddress.IPv6Loopback, hash, 1313));
        Assert.Equal(3, AllowedFastSet.Compute(IPAddress.Loopback, hash, 3, 10).Distinct().Count());
    }
}
