using CsCheck;
using Shoal.Storage;

namespace Shoal.Tests.Storage;

public class BitfieldTests
{
    [Fact]
    public void Piece_zero_is_the_high_bit_of_the_first_byte()
    {
        var bits = new Bitfield(10) { [0] = true, [9] = true };
        Assert.Equal(new byte[] { 0x80, 0x40 }, bits.ToWire());
        Assert.Equal(2, bits.SetCount);
        Assert.Equal(2, bits.WireLength);
    }

    [Fact]
    public void Setter_keeps_the_count_right_when_setting_twice_or_clearing()
    {
        var bits = new Bitfield(20);
        bits[3] = true;
        bits[3] = true;
        Assert.Equal(1, bits.SetCount);
        bits[3] = false;
        bits[3] = false;
        Assert.True(bits.IsEmpty);
        Assert.Throws<ArgumentOutOfRangeException>(() => bits[20] = true);
        Assert.Throws<ArgumentOutOfRangeException>(() => bits[-1]);
    }

    [Fact]
    public void SetAll_leaves_spare_bits_clear()
    {
        var bits = new Bitfield(11);
        bits.SetAll();
        Assert.True(bits.IsComplete);
        Assert.Equal(new byte[] { 0xFF, 0xE0 }, bits.ToWire());
        Assert.Equal(-1, bits.FirstClear());
        bits.ClearAll();
        Assert.True(bits.IsEmpty);
        Assert.Equal(0, bits.FirstClear());
    }

    [Theory]
    [InlineData(new byte[] { 0xFF }, 9)]          // too short
    [InlineData(new byte[] { 0xFF, 0x00, 0x00 }, 9)] // too long
    [InlineData(new byte[] { 0xFF, 0x40 }, 9)]    // spare bit set
    [InlineData(new byte[] { 0x01 }, 7)]          // spare bit set
    public void TryFromWire_rejects_wrong_length_or_spare_bits(byte[] wire, int count)
    {
        Assert.False(Bitfield.TryFromWire(wire, count, out var bits));
        Assert.Null(bits);
    }

    [Fact]
    public void Empty_torrent_bitfield_has_no_bytes()
    {
        Assert.True(Bitfield.TryFromWire([], 0, out var bits));
        Assert.Equal(0, bits!.WireLength);
        Assert.True(bits.IsComplete);
    }

    [Fact]
    public void Wire_round_trip_and_queries_match_a_plain_bool_array()
    {
        Gen.Bool.Array[0, 200].Sample(flags =>
        {
            var bits = new Bitfield(flags.Length);
            for (int i = 0; i < flags.Length; i++) bits[i] = flags[i];
            Assert.Equal(flags.Count(f => f), bits.SetCount);

            Assert.True(Bitfield.TryFromWire(bits.ToWire(), flags.Length, out var parsed));
            Assert.Equal(bits, parsed);
            Assert.Equal(bits.SetCount, parsed!.SetCount);
            for (int i = 0; i < flags.Length; i++) Assert.Equal(flags[i], parsed[i]);

            for (int start = 0; start <= flags.Length; start++)
            {
                Assert.Equal(Array.IndexOf(flags, false, start), bits.FirstClear(start));
                Assert.Equal(Array.IndexOf(flags, true, start), bits.FirstSet(start));
            }
        });
    }

    [Fact]
    public void Subset_clone_and_copy()
    {
        var mine = new Bitfield(12) { [1] = true, [5] = true, [11] = true };
        var theirs = new Bitfield(12) { [5] = true };
        Assert.True(theirs.IsSubsetOf(mine));
        Assert.False(mine.IsSubsetOf(theirs));
        var clone = mine.Clone();
        clone[2] = true;
        Assert.False(mine[2]);
        theirs.CopyFrom(clone);
        Assert.Equal(clone, theirs);
        Assert.Equal(4, theirs.SetCount);
        Assert.Throws<ArgumentException>(() => mine.IsSubsetOf(new Bitfield(13)));
    }
}
