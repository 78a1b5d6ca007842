using CsCheck;
using Shoal.Metainfo;
using Shoal.Storage;

namespace Shoal.Tests.Storage;

public class FileLayoutTests
{
    private static readonly Gen<(long Length, bool Padding)[]> FileSizes =
        Gen.Select(Gen.Frequency((1, Gen.Long[0, 0]), (4, Gen.Long[1, 300])), Gen.Bool, (length, padding) => (length, padding)).Array[1, 12]
            .Where(files => files.Sum(f => f.length) > 0);

    private static FileLayout Build((long Length, bool Padding)[] sizes, int pieceLength)
    {
        var files = new List<FileEntry>();
        long offset = 0;
        for (int i = 0; i < sizes.Length; i++)
        {
            files.Add(new FileEntry([$"f{i}"], sizes[i].Length, offset, sizes[i].Padding));
            offset += sizes[i].Length;
        }
        return new FileLayout(files, pieceLength);
    }

    [Fact]
    public void Every_torrent_byte_maps_to_exactly_one_file_byte_in_order()
    {
        Gen.Select(FileSizes, Gen.Int[1, 100]).Sample((sizes, pieceLength) =>
        {
            var layout = Build(sizes, pieceLength);
            long next = 0; // the torrent offset the next slice must start at
            for (int piece = 0; piece < layout.PieceCount; piece++)
            {
                int size = layout.PieceSize(piece);
                int expectedBufferOffset = 0;
                foreach (var slice in layout.MapPiece(piece, 0, size))
                {
                    var file = layout.Files[slice.FileIndex];
                    Assert.True(slice.Length > 0);
                    Assert.Equal(expectedBufferOffset, slice.BufferOffset);
                    Assert.True(slice.FileOffset >= 0 && slice.FileOffset + slice.Length <= file.Length);
                    Assert.Equal(next, file.Offset + slice.FileOffset);
                    next += slice.Length;
                    expectedBufferOffset += slice.Length;
                }
                Assert.Equal(size, expectedBufferOffset);
            }
            Assert.Equal(layout.TotalLength, next);
            Assert.Equal((layout.TotalLength + pieceLength - 1) / pieceLength, layout.PieceCount);
        });
    }

    [Fact]
    public void Any_range_maps_to_consecutive_slices_in_file_order()
    {
        Gen.Select(FileSizes, Gen.Double[0, 1], Gen.Double[0, 1]).Sample((sizes, a, b) =>
        {
            var layout = Build(sizes, 7);
            long start = (long)(a * layout.TotalLength);
            int length = (int)(b * (layout.TotalLength - start));
            long position = start;
            int lastFile = -1;
            foreach (var slice in layout.Map(start, length))
            {
                var file = layout.Files[slice.FileIndex];
                Assert.True(slice.FileIndex > lastFile);
                Assert.NotEqual(0, file.Length);
                Assert.Equal(position, file.Offset + slice.FileOffset);
                Assert.Equal(position - start, slice.BufferOffset);
                position += slice.Length;
                lastFile = slice.FileIndex;
            }
            Assert.Equal(start + length, position);
        });
    }

    [Fact]
    public void PieceRange_lists_exactly_the_pieces_whose_mapping_touches_the_file()
    {
        Gen.Select(FileSizes, Gen.Int[1, 50]).Sample((sizes, pieceLength) =>
        {
            var layout = Build(sizes, pieceLength);
            for (int f = 0; f < sizes.Length; f++)
            {
                var touching = Enumerable.Range(0, layout.PieceCount)
                    .Where(p => layout.MapPiece(p, 0, layout.PieceSize(p)).AsList().Any(s => s.FileIndex == f)).ToList();
                var (first, last) = layout.PieceRange(f);
                Assert.Equal(touching, Enumerable.Range(first, last - first + 1).ToList());
            }
        });
    }

    [Fact]
    public void VerifiedBytes_counts_the_file_bytes_inside_verified_pieces()
    {
        Gen.Select(FileSizes, Gen.Int[1, 50], Gen.Int[0, int.MaxValue]).Sample((sizes, pieceLength, seed) =>
        {
            var layout = Build(sizes, pieceLength);
            var random = new Random(seed);
            var verified = new Bitfield(layout.PieceCount);
            for (int p = 0; p < layout.PieceCount; p++) verified[p] = random.Next(2) == 0;
            for (int f = 0; f < sizes.Length; f++)
            {
                var file = layout.Files[f];
                long expected = 0;
                for (long b = file.Offset; b < file.EndOffset; b++) expected += verified[(int)(b / pieceLength)] ? 1 : 0;
                Assert.Equal(expected, layout.VerifiedBytes(f, verified));
            }
        });
    }

    [Fact]
    public void Ranges_outside_the_torrent_or_piece_are_refused()
    {
        var layout = Build([(100, false), (50, false)], 64);
        Assert.Equal(3, layout.PieceCount);
        Assert.Equal(22, layout.PieceSize(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => layout.MapPiece(2, 10, 13));
        Assert.Throws<ArgumentOutOfRangeException>(() => layout.MapPiece(3, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => layout.MapPiece(0, -1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => layout.Map(140, 11));
        Assert.Empty(layout.MapPiece(0, 5, 0).AsList());
    }

    [Fact]
    public void A_block_spanning_a_file_boundary_is_split()
    {
        var layout = Build([(100, false), (0, false), (50, true), (50, false)], 256);
        var slices = layout.MapPiece(0, 94, 60).AsList();
        Assert.Equal([new FileSlice(0, 94, 6, 0), new FileSlice(2, 0, 50, 6), new FileSlice(3, 0, 4, 56)], slices);
    }
}

internal static class SliceEnumerableExtensions
{
    public static List<FileSlice> AsList(this FileLayout.SliceEnumerable slices)
    {
        var list = new List<FileSlice>();
        foreach (var slice in slices) list.Add(slice);
        return list;
    }
}
