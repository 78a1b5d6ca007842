using Shoal.Metainfo;

namespace Shoal.Storage;

/// <summary>A run of bytes inside one file: where a part of a torrent range lives on disk.</summary>
/// <param name="FileIndex">Index into <see cref="FileLayout.Files"/> (padding files included).</param>
/// <param name="FileOffset">Offset of the run inside that file.</param>
/// <param name="Length">Bytes in the run (never zero).</param>
/// <param name="BufferOffset">Offset of the run inside the mapped range (0 for the first run).</param>
public readonly record struct FileSlice(int FileIndex, long FileOffset, int Length, int BufferOffset);

/// <summary>
/// Maps torrent byte ranges (a piece, or a block of one) to the file runs that hold them. Files are contiguous in
/// the torrent's byte stream; zero-length files never appear in a mapping; padding files do (callers skip them).
/// </summary>
public sealed class FileLayout
{
    private readonly long[] _ends;

    public FileLayout(TorrentInfo info) : this(info.Files, info.PieceLength) { }

    /// <summary>A layout over arbitrary contiguous files (any positive piece length; for tests and tools).</summary>
    public FileLayout(IReadOnlyList<FileEntry> files, int pieceLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pieceLength);
        if (files.Count == 0) throw new ArgumentException("a torrent has at least one file", nameof(files));
        Files = files;
        PieceLength = pieceLength;
        _ends = new long[files.Count];
        long offset = 0;
        for (int i = 0; i < files.Count; i++)
        {
            if (files[i].Offset != offset) throw new ArgumentException($"file {i} starts at {files[i].Offset}, expected {offset}", nameof(files));
            offset = checked(offset + files[i].Length);
            _ends[i] = offset;
        }
        TotalLength = offset;
        PieceCount = (int)((TotalLength + pieceLength - 1) / pieceLength);
    }

    public IReadOnlyList<FileEntry> Files { get; }

    public int PieceLength { get; }

    public int PieceCount { get; }

    public long TotalLength { get; }

    public int PieceSize(int piece)
    {
        if ((uint)piece >= (uint)PieceCount) throw new ArgumentOutOfRangeException(nameof(piece), piece, $"piece index must be below {PieceCount}");
        return (int)Math.Min(PieceLength, TotalLength - (long)piece * PieceLength);
    }

    /// <summary>The file runs holding <paramref name="length"/> bytes at <paramref name="offset"/> within a piece.</summary>
    public SliceEnumerable MapPiece(int piece, int offset, int length)
    {
        int size = PieceSize(piece);
        if (offset < 0 || length < 0 || (long)offset + length > size)
            throw new ArgumentOutOfRangeException(nameof(length), $"range {offset}+{length} lies outside piece {piece} of {size} bytes");
        return Map((long)piece * PieceLength + offset, length);
    }

    /// <summary>The file runs holding <paramref name="length"/> bytes at torrent offset <paramref name="offset"/>.</summary>
    public SliceEnumerable Map(long offset, int length)
    {
        if (offset < 0 || length < 0 || offset + length > TotalLength)
            throw new ArgumentOutOfRangeException(nameof(length), $"range {offset}+{length} lies outside the torrent's {TotalLength} bytes");
        return new SliceEnumerable(this, offset, length);
    }

    /// <summary>The first and last piece overlapping file <paramref name="fileIndex"/>; (0, -1) for a zero-length file.</summary>
    public (int First, int Last) PieceRange(int fileIndex)
    {
        var file = Files[fileIndex];
        if (file.Length == 0) return (0, -1);
        return ((int)(file.Offset / PieceLength), (int)((file.EndOffset - 1) / PieceLength));
    }

    /// <summary>Bytes of file <paramref name="fileIndex"/> inside verified pieces (for per-file progress).</summary>
    public long VerifiedBytes(int fileIndex, Bitfield verified)
    {
        var file = Files[fileIndex];
        var (first, last) = PieceRange(fileIndex);
        long total = 0;
        for (int piece = first; piece <= last; piece++)
        {
            if (!verified[piece]) continue;
            long start = Math.Max(file.Offset, (long)piece * PieceLength);
            long end = Math.Min(file.EndOffset, (long)piece * PieceLength + PieceSize(piece));
            total += end - start;
        }
        return total;
    }

    /// <summary>Index of the first file that ends after <paramref name="offset"/> (so holds that byte, if non-empty).</summary>
    internal int FileAt(long offset)
    {
        int lo = 0, hi = _ends.Length - 1;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_ends[mid] > offset) hi = mid;
            else lo = mid + 1;
        }
        return lo;
    }

    /// <summary>Allocation-free enumeration of the runs of one range (a struct, usable across awaits).</summary>
    public readonly struct SliceEnumerable(FileLayout layout, long offset, int length)
    {
        public SliceEnumerator GetEnumerator() => new(layout, offset, length);
    }

    public struct SliceEnumerator
    {
        private readonly FileLayout _layout;
        private readonly long _start;
        private readonly int _length;
        private int _done;
        private int _file;

        internal SliceEnumerator(FileLayout layout, long start, int length)
        {
            _layout = layout;
            _start = start;
            _length = length;
            _file = length == 0 ? layout.Files.Count : layout.FileAt(start) - 1;
            Current = default;
        }

        public FileSlice Current { get; private set; }

        public bool MoveNext()
        {
            if (_done >= _length) return false;
            var files = _layout.Files;
            FileEntry file;
            do
            {
                file = files[++_file];
            } while (file.Length == 0);
            long position = _start + _done;
            long inFile = position - file.Offset;
            int take = (int)Math.Min(_length - _done, file.Length - inFile);
            Current = new FileSlice(_file, inFile, take, _done);
            _done += take;
            return true;
        }
    }
}
