using System.Net;
using CsCheck;
using Shoal.Discovery.Dht;

namespace Shoal.Tests.Discovery.Dht;

public sealed class NodeIdTests
{
    private static readonly Gen<NodeId> Id = Gen.Byte.Array[NodeId.Length].Select(b => new NodeId(b));

    [Fact]
    public void Common_prefix_length_counts_leading_equal_bits()
    {
        var zero = new NodeId(new byte[20]);
        var bytes = new byte[20];
        bytes[0] = 0x80;
        Assert.Equal(0, zero.CommonPrefixLength(new NodeId(bytes)));
        bytes[0] = 0;
        bytes[8] = 0x01; // bit 71
        Assert.Equal(71, zero.CommonPrefixLength(new NodeId(bytes)));
        bytes[8] = 0;
        bytes[19] = 0x01; // the very last bit
        Assert.Equal(159, zero.CommonPrefixLength(new NodeId(bytes)));
        Assert.Equal(160, zero.CommonPrefixLength(zero));
    }

    [Fact]
    public void Distance_is_xor_compared_as_a_big_endian_number() =>
        Gen.Select(Id, Id, Id).Sample((target, x, y) =>
        {
            var dx = (x ^ target).ToArray();
            var dy = (y ^ target).ToArray();
            Assert.Equal(Math.Sign(dx.AsSpan().SequenceCompareTo(dy)), Math.Sign(NodeId.CompareDistance(target, x, y)));
            Assert.Equal(x, new NodeId(x.ToArray()));
        });

    [Fact]
    public void Random_ids_with_a_prefix_share_exactly_that_prefix() =>
        Gen.Select(Id, Gen.Int[0, 159], Gen.Int).Sample((self, prefix, seed) =>
        {
            var random = new Random(seed);
            Assert.Equal(prefix, self.CommonPrefixLength(self.RandomWithPrefix(prefix, random, differAtNextBit: true)));
            Assert.True(self.CommonPrefixLength(self.RandomWithPrefix(prefix, random, differAtNextBit: false)) >= prefix);
        });

    [Fact]
    public void Bits_are_numbered_from_the_most_significant()
    {
        var bytes = new byte[20];
        bytes[0] = 0x80;
        bytes[19] = 0x01;
        var id = new NodeId(bytes);
        Assert.True(id.GetBit(0));
        Assert.False(id.GetBit(1));
        Assert.True(id.GetBit(159));
    }

    /// <summary>BEP 42's test vectors: address, r, and the id's prefix the CRC32C fixes.</summary>
    [Theory]
    [InlineData("124.31.75.21", 1, "5fbfbff10c5d6a4ec8a88e4c6ab4c28b95eee401")]
    [InlineData("21.75.31.124", 86, "5a3ce9c14e7a08645677bbd1cfe7d8f956d53256")]
    [InlineData("65.23.51.170", 22, "a5d43220bc8f112a3d426c84764f8c2a1150e616")]
    [InlineData("84.124.73.14", 65, "1b0321dd1bb1fe518101ceef99462b947a01ff41")]
    [InlineData("43.213.53.83", 90, "e56f6cbf5b7c4be0237986d5243b87aa6d51305a")]
    public void Bep42_test_vectors_conform(string address, int r, string id)
    {
        Assert.Equal(r, Convert.FromHexString(id)[19]);
        Assert.True(SecureNodeId.IsConforming(NodeId.Parse(id), IPAddress.Parse(address)));
        Assert.False(SecureNodeId.IsConforming(NodeId.Parse(id), IPAddress.Parse("8.8.8.8")));
    }

    [Fact]
    public void Generated_ids_conform_to_their_address_and_not_to_others() =>
        Gen.Select(Gen.Byte[1, 223], Gen.Byte.Array[3], Gen.Int).Sample((first, rest, seed) =>
        {
            var address = new IPAddress([first, .. rest]);
            var id = SecureNodeId.Generate(address, new Random(seed));
            Assert.True(SecureNodeId.IsConforming(id, address));
            if (!SecureNodeId.IsExempt(address)) Assert.False(SecureNodeId.IsConforming(id ^ NodeId.Parse("8000000000000000000000000000000000000000"), address));
        });

    [Theory]
    [InlineData("10.1.2.3")]
    [InlineData("172.16.0.9")]
    [InlineData("172.31.255.1")]
    [InlineData("192.168.1.1")]
    [InlineData("169.254.3.3")]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public void Local_addresses_are_exempt(string address)
    {
        Assert.True(SecureNodeId.IsExempt(IPAddress.Parse(address)));
        Assert.True(SecureNodeId.IsConforming(NodeId.Random(new Random(1)), IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("172.32.0.1")]
    [InlineData("8.8.8.8")]
    [InlineData("2001:db8::1")]
    public void Public_addresses_are_not_exempt(string address) => Assert.False(SecureNodeId.IsExempt(IPAddress.Parse(address)));
}
