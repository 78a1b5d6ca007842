using System.Buffers;
using System.Buffers.Binary;
using CsCheck;
using Shoal.Metainfo;
using Shoal.Wire;

namespace Shoal.Tests.Wire;

/// <summary>BEP 52's hash request (21), hashes (22) and hash reject (23), and the v2 handshake bit.</summary>
public class HashMessageTests
{
    private static readonly byte[] Root = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    private static PeerMessage DecodeOne(byte[] bytes, int max = 1 << 20)
    {
        var sequence = new ReadOnlySequence<byte>(bytes);
        Assert.True(MessageReader.TryRead(ref sequence, max, out var message));
        Assert.Equal(0, sequence.Length);
        return message;
    }

    [Theory]
    [InlineData(MessageId.HashRequest)]
    [InlineData(MessageId.HashReject)]
    public void RequestsAndRejectsRoundTrip(MessageId id)
    {
        var request = new HashRequest(Root, 3, 512, 512, 10);
        var bytes = new byte[MessageWriter.HashRequestLength];
        Assert.Equal(53, MessageWriter.WriteHashRequest(bytes, id, request));
        Assert.Equal(49u, BinaryPrimitives.ReadUInt32BigEndian(bytes));
        Assert.Equal((byte)id, bytes[4]);
        Assert.Equal(Root, bytes[5..37]);
        Assert.Equal(3u, BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(37)));

        var message = DecodeOne(bytes);
        Assert.Equal(id, message.Id);
        var decoded = HashRequest.Read(message.Payload);
        Assert.Equal(request, decoded);
        Assert.True(decoded.IsWellFormed);
        Assert.Equal(512 + 2, decoded.AnswerHashCount); // 10 proof layers, the first 8 inside the 512 hashes' own subtree
    }

    [Fact]
    public void HashesRoundTripAcrossSegmentBoundaries()
    {
        Gen.Select(Gen.Int[1, 6], Gen.Int[0, 12], Gen.Int[1, 600]).Sample((k, proof, cut) =>
        {
            var request = new HashRequest(Root, 0, 0, 1 << k, proof);
            var hashes = new byte[request.AnswerHashCount * 32];
            new Random(k * 31 + proof).NextBytes(hashes);
            var bytes = new byte[5 + HashRequest.EncodedLength + hashes.Length];
            MessageWriter.WriteHashes(bytes, request, hashes);
            var sequence = Segments.Split(bytes, [cut, cut * 2, cut * 3]);
            Assert.True(MessageReader.TryRead(ref sequence, 1 << 20, out var message));
            Assert.Equal(MessageId.Hashes, message.Id);
            var read = HashesMessage.Read(message.Payload, new byte[hashes.Length], out var got);
            Assert.Equal(request, read);
            Assert.Equal(hashes, got.ToArray());
        }, iter: 300);
    }

    [Fact]
    public void AHashesMessageMustCarryExactlyTheHashesItsHeaderMeans()
    {
        var request = new HashRequest(Root, 0, 0, 4, 3); // 4 base hashes + 2 uncles
        var bytes = new byte[5 + 48 + 7 * 32];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)(bytes.Length - 4));
        bytes[4] = (byte)MessageId.Hashes;
        request.WriteTo(bytes.AsSpan(5));
        var message = DecodeOne(bytes);
        var ex = Assert.Throws<WireProtocolException>(() => HashesMessage.Read(message.Payload, [], out _));
        Assert.Contains("carries 7 hashes where its header means 6", ex.Message);

        var bad = new HashRequest(Root, 0, 1, 4, 3); // index not a multiple of the length
        bad.WriteTo(bytes.AsSpan(5));
        Assert.Throws<WireProtocolException>(() => HashesMessage.Read(DecodeOne(bytes).Payload, [], out _));
    }

    [Theory]
    [InlineData(21, 47)]
    [InlineData(21, 49)]
    [InlineData(23, 0)]
    [InlineData(22, 47)]     // shorter than the header
    [InlineData(22, 48 + 31)] // not whole hashes
    public void MalformedHashMessagesAreProtocolErrors(byte id, int payload)
    {
        var bytes = new byte[5 + payload];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)(1 + payload));
        bytes[4] = id;
        var sequence = new ReadOnlySequence<byte>(bytes);
        Assert.Throws<WireProtocolException>(() => MessageReader.TryRead(ref sequence, 1 << 20, out _));
    }

    [Fact]
    public void FieldsBeyondIntRangeAreProtocolErrors()
    {
        var fields = new byte[48];
        BinaryPrimitives.WriteUInt32BigEndian(fields.AsSpan(36), 0x8000_0000);
        Assert.Throws<WireProtocolException>(() => HashRequest.Read(fields));
    }

    [Theory]
    [InlineData(0, 0, 1, 0, false)]    // one hash
    [InlineData(0, 0, 6, 0, false)]    // not a power of two
    [InlineData(0, 4, 8, 0, false)]    // index not a multiple of the length
    [InlineData(0, 0, 16384, 0, false)] // more than libtorrent's 8192
    [InlineData(49, 0, 2, 0, false)]   // taller than any tree
    [InlineData(0, 8192, 8192, 48, true)]
    public void WellFormedRequestsFollowBep52(int baseLayer, int index, int length, int proof, bool wellFormed)
    {
        Assert.Equal(wellFormed, new HashRequest(Root, baseLayer, index, length, proof).IsWellFormed);
    }

    [Fact]
    public void TheLargestAnswerFitsTheV2MessageLimitOnly()
    {
        int v1 = MessageReader.MaxMessageLength(100);
        int v2 = MessageReader.MaxMessageLength(100, v2: true);
        Assert.True(v1 < 1 + HashesMessage.MaxPayloadLength);
        Assert.Equal(1 + HashesMessage.MaxPayloadLength, v2);
        Assert.Equal(MessageReader.MaxMessageLength(10_000_000), MessageReader.MaxMessageLength(10_000_000, v2: true)); // a huge bitfield dominates
    }

    [Fact]
    public void TheV2BitIsTheFourthMostSignificantBitOfTheLastReservedByte()
    {
        var reserved = new byte[8];
        reserved[7] = 0x10;
        Assert.True(ReservedBits.Read(reserved).SupportsV2);
        Assert.False(ReservedBits.Shoal.SupportsV2); // not advertised until the engine serves hash requests
        var withV2 = ReservedBits.Shoal.WithV2();
        withV2.WriteTo(reserved);
        Assert.Equal(0x10 | 0x04, reserved[7]);
        Assert.True(withV2.SupportsExtensionProtocol && withV2.SupportsFastExtension);
    }
}
