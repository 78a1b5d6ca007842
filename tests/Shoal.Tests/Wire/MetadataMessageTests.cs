using System.Buffers;
using System.Text;
using CsCheck;
using Shoal.Wire;

namespace Shoal.Tests.Wire;

public class MetadataMessageTests
{
    [Fact]
    public void Request_and_reject_encode_as_in_BEP_9()
    {
        Assert.Equal("d8:msg_typei0e5:piecei0ee", Encoding.ASCII.GetString(MetadataMessage.EncodeRequest(0)));
        Assert.Equal("d8:msg_typei2e5:piecei7ee", Encoding.ASCII.GetString(MetadataMessage.EncodeReject(7)));
    }

    [Fact]
    public void Data_carries_the_piece_after_the_dictionary()
    {
        var piece = new byte[] { 1, 2, 3, (byte)'e', (byte)'d' };
        var encoded = MetadataMessage.EncodeData(3, 34256, piece);
        Assert.StartsWith("d8:msg_typei1e5:piecei3e10:total_sizei34256ee", Encoding.ASCII.GetString(encoded));
        Assert.True(MetadataMessage.TryParse(encoded, out var message, out int offset));
        Assert.Equal(new MetadataMessage(MetadataMessageType.Data, 3, 34256), message);
        Assert.Equal(piece, encoded[offset..]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2047)]
    public void Requests_and_rejects_round_trip(int piece)
    {
        Assert.True(MetadataMessage.TryParse(MetadataMessage.EncodeRequest(piece), out var request, out _));
        Assert.Equal(new MetadataMessage(MetadataMessageType.Request, piece), request);
        Assert.True(MetadataMessage.TryParse(MetadataMessage.EncodeReject(piece), out var reject, out _));
        Assert.Equal(new MetadataMessage(MetadataMessageType.Reject, piece), reject);
    }

    [Fact]
    public void Parses_from_a_multi_segment_buffer()
    {
        var encoded = MetadataMessage.EncodeData(1, 20000, new byte[20000 - 16384]);
        var sequence = Segments.Split(encoded, [7, 30, 100]);
        Assert.True(MetadataMessage.TryParse(sequence, out var message, out var data));
        Assert.Equal(MetadataMessageType.Data, message.Type);
        Assert.Equal(20000 - 16384, data.Length);
    }

    [Fact]
    public void Unknown_message_types_are_ignored()
    {
        Assert.False(MetadataMessage.TryParse("d8:msg_typei3e5:piecei0ee"u8, out _, out _));
        Assert.False(MetadataMessage.TryParse("d8:msg_typei-1e5:piecei0ee"u8, out _, out _));
    }

    [Fact]
    public void Unknown_keys_are_skipped()
    {
        Assert.True(MetadataMessage.TryParse("d1:ai1e8:msg_typei0e5:piecei4e1:zli1eee"u8, out var message, out _));
        Assert.Equal(new MetadataMessage(MetadataMessageType.Request, 4), message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("i1e")]
    [InlineData("d5:piecei0ee")] // no msg_type
    [InlineData("d8:msg_typei0ee")] // no piece
    [InlineData("d8:msg_typei0e5:piecei-1ee")] // negative piece
    [InlineData("d8:msg_typei0e5:piecei2048ee")] // beyond 32 MiB of metadata
    [InlineData("d8:msg_type1:05:piecei0ee")] // msg_type not an integer
    [InlineData("d8:msg_typei1e5:piecei0ee")] // data without total_size
    [InlineData("d8:msg_typei1e5:piecei0e10:total_sizei0ee")]
    [InlineData("d8:msg_typei1e5:piecei0e10:total_sizei33554433ee")] // over 32 MiB
    [InlineData("d8:msg_typei0e5:piecei0eexyz")] // trailing bytes after a request
    [InlineData("d8:msg_typei0e5:piecei0e")] // unterminated
    [InlineData("d5:piecei0e8:msg_typei0ee")] // keys out of order
    public void Malformed_messages_raise_WireProtocolException(string text)
    {
        Assert.Throws<WireProtocolException>(() => MetadataMessage.TryParse(Encoding.ASCII.GetBytes(text), out _, out _));
    }

    [Fact]
    public void Garbage_only_raises_WireProtocolException()
    {
        Gen.Byte.Array[0, 80].Sample(bytes =>
        {
            try { MetadataMessage.TryParse(bytes, out _, out _); }
            catch (WireProtocolException) { }
        }, iter: 20_000);
        Gen.Int[0, 2].Select(Gen.Int[0, 3000], Gen.Int[-5, 40_000]).Sample((type, piece, total) =>
        {
            var text = Encoding.ASCII.GetBytes($"d8:msg_typei{type}e5:piecei{piece}e10:total_sizei{total}ee");
            try
            {
                if (MetadataMessage.TryParse(text, out var m, out _))
                    Assert.True(m.Piece is >= 0 and < MetadataMessage.MaxPieces && (m.Type != MetadataMessageType.Data || m.TotalSize > 0));
            }
            catch (WireProtocolException) { }
        }, iter: 5_000);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(16384, 1)]
    [InlineData(16385, 2)]
    [InlineData(400_123, 25)]
    public void Piece_count_and_lengths_cover_the_metadata_exactly(int size, int pieces)
    {
        Assert.Equal(pieces, MetadataMessage.PieceCount(size));
        long sum = 0;
        for (int i = 0; i < pieces; i++) sum += MetadataMessage.PieceLength(i, size);
        Assert.Equal(size, sum);
    }
}
