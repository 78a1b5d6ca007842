using System.Globalization;
using System.Text;
using Shoal.Bencoding;

namespace Shoal.Metainfo;

/// <summary>BEP 52 (v2) and hybrid info dictionaries: the aligned piece space, the hybrid consistency check, and creation.</summary>
public sealed partial class TorrentInfo
{
    /// <summary>
    /// Most pieces a v2 description may have (2^22: 64 GiB in 16 KiB pieces, 1 PiB in 256 MiB ones). Lengths in a file
    /// tree cost nothing to write, so this, not the file's size, bounds what a hostile torrent makes us allocate.
    /// </summary>
    public const int MaxPieceCount = 1 << 22;

    private static TorrentInfo CreateV2Only(string name, int pieceLength, List<FileTreeReader.TreeFile> tree, bool isPrivate,
        ReadOnlyMemory<byte> encodedInfo)
    {
        var files = LayoutV2(tree, pieceLength);
        // One file at the top named like the torrent is a single-file torrent; anything else lives under a folder.
        bool single = tree.Count == 1 && tree[0].Path.Count == 1 && tree[0].Path[0] == name;
        return new TorrentInfo(name, pieceLength, default, files, !single, isPrivate, encodedInfo, hasV1: false, hasV2: true);
    }

    /// <summary>
    /// The v2 piece space: files in tree order, each non-empty one starting on a piece boundary. The gap after a file's
    /// short last piece becomes a padding entry (zeros, never on disk), so storage maps it like a hybrid's v1 list. The
    /// last file is padded too, as libtorrent does: its last piece is whole on the wire (a peer asks for full blocks of it).
    /// </summary>
    private static List<FileEntry> LayoutV2(List<FileTreeReader.TreeFile> tree, int pieceLength)
    {
        if (tree.TrueForAll(f => f.Length == 0)) throw new InvalidTorrentException("the torrent contains no data (total length 0)");
        var files = new List<FileEntry>(2 * tree.Count);
        long offset = 0, pieces = 0;
        for (int i = 0; i < tree.Count; i++)
        {
            var file = tree[i];
            files.Add(new FileEntry(file.Path, file.Length, offset, piecesRoot: file.Root));
            if (file.Length == 0) continue;
            long filePieces = (file.Length - 1) / pieceLength + 1;
            pieces += filePieces;
            if (pieces > MaxPieceCount) throw new InvalidTorrentException($"the files need more than {MaxPieceCount} pieces of {pieceLength} bytes");
            // Within MaxPieceCount pieces of at most MaxPieceLength bytes, no offset comes near overflowing.
            offset += file.Length;
            long gap = filePieces * pieceLength - file.Length;
            if (gap > 0)
            {
                files.Add(new FileEntry([".pad", gap.ToString(CultureInfo.InvariantCulture)], gap, offset, isPadding: true));
                offset += gap;
            }
        }
        return files;
    }

    /// <summary>
    /// BEP 52's upgrade path: a hybrid's v1 list must describe the same files, in the same order, at the same offsets as
    /// its file tree (padding and empty files aside). Returns the v1 list with each file's merkle root attached.
    /// </summary>
    private static List<FileEntry> MergeHybrid(List<FileEntry> v1Files, List<FileTreeReader.TreeFile> tree, int pieceLength)
    {
        var v2Files = LayoutV2(tree, pieceLength);
        var v2Data = v2Files.Where(f => !f.IsPadding && f.Length > 0).ToList();
        var merged = new List<FileEntry>(v1Files.Count);
        int next = 0;
        foreach (var file in v1Files)
        {
            if (file.IsPadding || file.Length == 0)
            {
                merged.Add(file);
                continue;
            }
            if (next == v2Data.Count) throw HybridMismatch($"'{file.Path}' is in the v1 file list only");
            var twin = v2Data[next++];
            if (!file.PathSegments.SequenceEqual(twin.PathSegments, StringComparer.Ordinal))
                throw HybridMismatch($"the v1 list has '{file.Path}' where the file tree has '{twin.Path}'");
            if (file.Length != twin.Length || file.Offset != twin.Offset)
                throw HybridMismatch($"'{file.Path}' is {file.Length} bytes at {file.Offset} in the v1 list, {twin.Length} at {twin.Offset} in the file tree");
            merged.Add(new FileEntry(file.PathSegments, file.Length, file.Offset, piecesRoot: twin.PiecesRoot));
        }
        if (next != v2Data.Count) throw HybridMismatch($"'{v2Data[next].Path}' is in the file tree only");
        long v1Pieces = (v1Files[^1].EndOffset - 1) / pieceLength + 1, v2Pieces = (v2Files[^1].EndOffset - 1) / pieceLength + 1;
        if (v1Pieces != v2Pieces) throw HybridMismatch($"{v1Pieces} v1 pieces against {v2Pieces} v2 pieces");
        return merged;
    }

    private static InvalidTorrentException HybridMismatch(string what) =>
        new($"the v1 and v2 halves of this hybrid torrent describe different data: {what}");

    /// <summary>
    /// Builds a v2 info dictionary, or a hybrid one when <paramref name="v1PieceHashes"/> are given (SHA-1 over the files
    /// aligned as <see cref="HybridFileList"/> lays them out). Files are put in canonical (file tree) order. For a
    /// single-file torrent <paramref name="files"/> is one entry whose only segment equals <paramref name="name"/>.
    /// </summary>
    public static TorrentInfo CreateV2(string name, int pieceLength,
        IReadOnlyList<(IReadOnlyList<string> Path, long Length, ReadOnlyMemory<byte> Root)> files, bool multiFile,
        bool isPrivate = false, ReadOnlyMemory<byte> v1PieceHashes = default)
    {
        if (!multiFile && (files.Count != 1 || files[0].Path.Count != 1 || files[0].Path[0] != name))
            throw new ArgumentException("a single-file torrent has exactly one file, named like the torrent", nameof(files));
        var ordered = files.OrderBy(f => f.Path, TreeOrder).ToList();
        var info = new BDictionary();
        info.Add("file tree", FileTree(ordered));
        info.Add("meta version", 2);
        info.Add("name", name);
        info.Add("piece length", pieceLength);
        if (isPrivate) info.Add("private", 1);
        if (!v1PieceHashes.IsEmpty)
        {
            info.Add("pieces", new BString(v1PieceHashes));
            if (multiFile) info.Add("files", HybridFileList(ordered.Select(f => (f.Path, f.Length)).ToList(), pieceLength));
            else info.Add("length", ordered[0].Length);
        }
        return Parse(info.Encode());
    }

    /// <summary>
    /// Canonical v2 file order: path components compared one by one as UTF-8 bytes (the order of the file tree's keys),
    /// which is not the order of the '/'-joined paths ("a/x" comes before "a-b/x").
    /// </summary>
    public static IComparer<IReadOnlyList<string>> TreeOrder { get; } = Comparer<IReadOnlyList<string>>.Create((a, b) =>
    {
        for (int i = 0; i < Math.Min(a.Count, b.Count); i++)
        {
            int order = Encoding.UTF8.GetBytes(a[i]).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b[i]));
            if (order != 0) return order;
        }
        return a.Count.CompareTo(b.Count);
    });

    /// <summary>
    /// The v1 'files' list of a multi-file hybrid, as libtorrent writes it: after every non-empty file that does not end
    /// on a piece boundary, a BEP 47 padding file <c>.pad/N</c> of N zero bytes (when there is more than one file).
    /// </summary>
    public static BList HybridFileList(IReadOnlyList<(IReadOnlyList<string> Path, long Length)> files, int pieceLength)
    {
        var list = new BList();
        long offset = 0;
        foreach (var (path, length) in files)
        {
            list.Add(new BDictionary { { "length", length }, { "path", new BList(path.Select(s => (BValue)new BString(s))) } });
            offset += length;
            long gap = (pieceLength - offset % pieceLength) % pieceLength;
            if (length > 0 && gap > 0 && files.Count > 1)
            {
                string size = gap.ToString(CultureInfo.InvariantCulture);
                list.Add(new BDictionary { { "attr", "p" }, { "length", gap }, { "path", new BList([new BString(".pad"), new BString(size)]) } });
                offset += gap;
            }
        }
        return list;
    }

    private static BDictionary FileTree(IEnumerable<(IReadOnlyList<string> Path, long Length, ReadOnlyMemory<byte> Root)> files)
    {
        var tree = new BDictionary();
        foreach (var (path, length, root) in files)
        {
            var folder = tree;
            foreach (var segment in path.SkipLast(1))
            {
                if (folder[segment] is not BDictionary child) folder.Add(segment, child = new BDictionary());
                folder = child;
            }
            var properties = new BDictionary { { "length", length } };
            if (length > 0) properties.Add("pieces root", new BString(root));
            folder.Add(path[^1], new BDictionary { { "", properties } });
        }
        return tree;
    }
}
