namespace Shoal.Metainfo;

/// <summary>
/// The v2 hash each piece is checked against. Pieces of a v2 description never span files (each file starts on a piece
/// boundary), so a piece is one file's: checked against that file's piece layer, or its root when the file fits in
/// one piece. Piece layers live outside the info dictionary (in the .torrent, or fetched from peers for a magnet link):
/// they are attached once known, so everything holding this info (storage's recheck, the verifier) can check pieces.
/// </summary>
public sealed partial class TorrentInfo
{
    private PieceLayers? _pieceLayers;
    private V2Index? _v2Index;

    /// <summary>The verified piece layers known for this torrent (null until some are known, or for a v1 torrent).</summary>
    public PieceLayers? PieceLayers => Volatile.Read(ref _pieceLayers);

    /// <summary>
    /// True when every piece's v2 hash is known: each file longer than a piece has its layer. Always true for a v1
    /// torrent (nothing to know); a v2-only torrent without it cannot verify (or so download) those files' pieces.
    /// </summary>
    public bool HasAllPieceHashes
    {
        get
        {
            if (!HasV2 || PieceLayers?.IsComplete == true) return true;
            for (int i = 0; i < Files.Count; i++)
                if (PieceLayers.Needs(this, i) && (PieceLayers?.ForFile(i).IsEmpty ?? true)) return false;
            return true;
        }
    }

    /// <summary>Attaches verified piece layers (built for this very info); later calls replace earlier ones (more complete).</summary>
    public void UsePieceLayers(PieceLayers layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (!ReferenceEquals(layers.Info, this) && layers.Info.InfoHashes != InfoHashes)
            throw new ArgumentException("the piece layers belong to another torrent", nameof(layers));
        Volatile.Write(ref _pieceLayers, layers);
    }

    /// <summary>
    /// The file holding v2 piece <paramref name="piece"/> (an index into <see cref="Files"/>) and the piece's index in it.
    /// Only for a v2 or hybrid torrent.
    /// </summary>
    public (int FileIndex, int PieceInFile) LocateV2Piece(int piece)
    {
        if (!HasV2) throw new InvalidOperationException("a v1 torrent has no per-file pieces");
        ArgumentOutOfRangeException.ThrowIfNegative(piece);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(piece, PieceCount);
        var index = Volatile.Read(ref _v2Index) ?? BuildV2Index();
        int at = Array.BinarySearch(index.FirstPieces, piece);
        if (at < 0) at = ~at - 1;
        return (index.FileIndexes[at], piece - index.FirstPieces[at]);
    }

    /// <summary>
    /// The v2 hash piece <paramref name="piece"/> must hash to, the height of its subtree, and how many of its bytes are
    /// file data (the rest, up to the piece's size, is padding that must be zeros). False when the hash is not known yet
    /// (its file's piece layer is missing).
    /// </summary>
    public bool TryGetV2PieceHash(int piece, Span<byte> hash, out int subtreeHeight, out int dataLength)
    {
        var (fileIndex, pieceInFile) = LocateV2Piece(piece);
        var file = Files[fileIndex];
        subtreeHeight = Merkle.PieceSubtreeHeight(file.Length, PieceLength);
        dataLength = (int)Math.Min(PieceLength, file.Length - (long)pieceInFile * PieceLength);
        if (file.Length <= PieceLength)
        {
            file.PiecesRoot.Span.CopyTo(hash);
            return true;
        }
        var layer = PieceLayers?.ForFile(fileIndex) ?? default;
        if (layer.IsEmpty) return false;
        layer.Span.Slice(pieceInFile * Merkle.HashSize, Merkle.HashSize).CopyTo(hash);
        return true;
    }

    private V2Index BuildV2Index()
    {
        var firsts = new List<int>();
        var indexes = new List<int>();
        for (int i = 0; i < Files.Count; i++)
        {
            var file = Files[i];
            if (file.IsPadding || file.Length == 0 || file.PiecesRoot.IsEmpty) continue;
            firsts.Add((int)(file.Offset / PieceLength));
            indexes.Add(i);
        }
        var index = new V2Index([.. firsts], [.. indexes]);
        Volatile.Write(ref _v2Index, index);
        return index;
    }

    /// <summary>The first piece of each data file (ascending, for binary search) and its index in <see cref="Files"/>.</summary>
    private sealed record V2Index(int[] FirstPieces, int[] FileIndexes);
}
