using CsCheck;
using Shoal.Storage;

namespace Shoal.Tests.Storage;

public class ResumeRecordTests
{
    private static ResumeRecord Sample(Shoal.Metainfo.TorrentInfo info)
    {
        var verified = new Bitfield(info.PieceCount) { [0] = true, [info.PieceCount - 1] = true };
        var stamps = info.Files.Select((f, i) => f.IsPadding ? FileStamp.Missing : new FileStamp(f.Length, 638_000_000_000_000_000 + i)).ToArray();
        return new ResumeRecord(info.InfoHash, stamps, verified);
    }

    [Fact]
    public void Round_trips()
    {
        var (info, _) = TestTorrents.Multi();
        var record = Sample(info);
        var parsed = ResumeRecord.TryParse(record.Serialize(), info);
        Assert.NotNull(parsed);
        Assert.Equal(record.Files, parsed.Files);
        Assert.Equal(record.Verified, parsed.Verified);
    }

    [Fact]
    public void Any_flipped_bit_or_truncation_makes_it_ignored()
    {
        var (info, _) = TestTorrents.Multi();
        var bytes = Sample(info).Serialize();
        Gen.Select(Gen.Int[0, bytes.Length * 8 - 1], Gen.Int[0, bytes.Length - 1]).Sample((bit, cut) =>
        {
            var flipped = (byte[])bytes.Clone();
            flipped[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.Null(ResumeRecord.TryParse(flipped, info));
            Assert.Null(ResumeRecord.TryParse(bytes.AsSpan(0, cut), info));
        });
    }

    [Fact]
    public void Arbitrary_bytes_never_throw()
    {
        var (info, _) = TestTorrents.Multi();
        Gen.Byte.Array[0, 400].Sample(bytes => ResumeRecord.TryParse(bytes, info) is null);
    }

    [Fact]
    public void A_record_of_another_torrent_is_ignored()
    {
        var (info, _) = TestTorrents.Single("one.bin", 100_000);
        var (other, _) = TestTorrents.Single("two.bin", 100_000);
        Assert.Null(ResumeRecord.TryParse(Sample(info).Serialize(), other));
    }
}
