using System.Text;
using CsCheck;
using Shoal.Transport.Mse;

namespace Shoal.Tests.Transport.Mse;

public sealed class Rc4Tests
{
    [Theory]
    [InlineData("Key", "Plaintext", "BBF316E8D940AF0AD3")]
    [InlineData("Wiki", "pedia", "1021BF0420")]
    [InlineData("Secret", "Attack at dawn", "45A01F645FC35B383552544B9BF5")]
    public void Known_answers(string key, string plaintext, string ciphertextHex)
    {
        var data = Encoding.ASCII.GetBytes(plaintext);
        new Rc4(Encoding.ASCII.GetBytes(key)).Transform(data);
        Assert.Equal(ciphertextHex, Convert.ToHexString(data));
    }

    /// <summary>RFC 6229, 128-bit key 0x0102…10: the key stream at offset 0 and at offset 1,024 (where MSE starts).</summary>
    [Fact]
    public void Rfc6229_key_stream_at_offsets_0_and_1024()
    {
        var key = Convert.FromHexString("0102030405060708090a0b0c0d0e0f10");
        var first = new byte[16];
        new Rc4(key).Transform(first);
        Assert.Equal("9ac7cc9a609d1ef7b2932899cde41b97", Convert.ToHexStringLower(first));

        var rc4 = new Rc4(key);
        rc4.Discard(1024);
        var at1024 = new byte[16];
        rc4.Transform(at1024);
        Assert.Equal("bdf0324e6083dcc6d3cedd3ca8c53c16", Convert.ToHexStringLower(at1024));
    }

    [Fact]
    public void Matches_a_textbook_implementation_whatever_the_key_and_however_the_data_is_split()
    {
        Gen.Select(Gen.Byte.Array[1, 64], Gen.Byte.Array[0, 3000], Gen.Int[1, 700]).Sample((key, data, split) =>
        {
            var expected = TextbookRc4(key, data);
            var rc4 = new Rc4(key);
            var actual = new byte[data.Length];
            for (int offset = 0; offset < data.Length; offset += split)
            {
                int n = Math.Min(split, data.Length - offset);
                rc4.Transform(data.AsSpan(offset, n), actual.AsSpan(offset, n));
            }
            Assert.Equal(expected, actual);
        }, iter: 300);
    }

    [Fact]
    public void Decrypting_with_a_second_instance_of_the_same_key_restores_the_data()
    {
        var key = "an MSE key is 20 b."u8.ToArray();
        var data = new byte[5000];
        new Random(7).NextBytes(data);
        var copy = data.ToArray();
        new Rc4(key).Transform(copy);
        Assert.NotEqual(data, copy);
        new Rc4(key).Transform(copy);
        Assert.Equal(data, copy);
    }

    [Fact]
    public void Rejects_an_empty_or_overlong_key()
    {
        Assert.Throws<ArgumentException>(() => new Rc4([]));
        Assert.Throws<ArgumentException>(() => new Rc4(new byte[257]));
    }

    private static byte[] TextbookRc4(byte[] key, byte[] data)
    {
        var s = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        for (int i = 0, j = 0; i < 256; i++)
        {
            j = (j + s[i] + key[i % key.Length]) % 256;
            (s[i], s[j]) = (s[j], s[i]);
        }
        var output = new byte[data.Length];
        for (int k = 0, i = 0, j = 0; k < data.Length; k++)
        {
            i = (i + 1) % 256;
            j = (j + s[i]) % 256;
            (s[i], s[j]) = (s[j], s[i]);
            output[k] = (byte)(data[k] ^ s[(s[i] + s[j]) % 256]);
        }
        return output;
    }
}
