namespace Shoal.Metainfo;

/// <summary>
/// File bytes versus piece space. Padding (BEP 47 padding files, and in a v2 torrent the zeros after each file's short
/// last piece) fills pieces but is nobody's data: sizes, progress and "left" count the files' own bytes only, so a
/// complete torrent is exactly its <see cref="DataLength"/>, whatever its format.
/// </summary>
public sealed partial class TorrentInfo
{
    private long _dataLength = -1;
    private (long Start, long End)[]? _padding;

    /// <summary>Bytes of the files themselves (padding excluded): the torrent's size as people see it.</summary>
    public long DataLength
    {
        get
        {
            long length = Volatile.Read(ref _dataLength);
            if (length >= 0) return length;
            length = TotalLength;
            foreach (var (start, end) in Padding) length -= end - start;
            Volatile.Write(ref _dataLength, length);
            return length;
        }
    }

    /// <summary>The non-empty padding files as [start, end) ranges of the piece space, in order (usually none for v1).</summary>
    internal ReadOnlySpan<(long Start, long End)> Padding
    {
        get
        {
            var padding = Volatile.Read(ref _padding);
            if (padding is not null) return padding;
            padding = [.. Files.Where(f => f.IsPadding && f.Length > 0).Select(f => (f.Offset, f.EndOffset))];
            Volatile.Write(ref _padding, padding);
            return padding;
        }
    }

    /// <summary>File bytes in piece <paramref name="index"/>: its <see cref="PieceSize"/> less the padding in it.</summary>
    public int PieceDataSize(int index)
    {
        int size = PieceSize(index);
        long start = (long)index * PieceLength, end = start + size;
        var padding = Padding;
        // The first padding range ending after the piece starts; ranges are sorted and disjoint.
        int lo = 0, hi = padding.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (padding[mid].End > start) hi = mid;
            else lo = mid + 1;
        }
        for (int i = lo; i < padding.Length && padding[i].Start < end; i++)
            size -= (int)(Math.Min(end, padding[i].End) - Math.Max(start, padding[i].Start));
        return size;
    }
}
