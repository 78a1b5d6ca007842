using System.Numerics;
using Shoal.Metainfo;
using Shoal.Storage;
using Shoal.Wire;

namespace Shoal.Swarm.V2;

/// <summary>How a v2 piece compared with its merkle hash.</summary>
public enum PieceCheck
{
    Passed,
    Failed,
    /// <summary>The piece's hash is not known yet (its file's piece layer has not arrived from peers).</summary>
    HashUnknown,
}

/// <summary>
/// The merkle side of a v2 or hybrid torrent, for the engine (libtorrent's hash picker and merkle trees in one): every file's root (from the info dictionary) and piece
/// layer (from the .torrent, or assembled from peers' 'hashes' answers, each proven against the root before it is kept).
/// It checks pieces, says which hash requests to send for missing layers, finds the bad blocks of a failed piece from
/// its proven leaf hashes, and answers peers' hash requests. Not thread-safe: one owner (the torrent's loop) calls it.
/// </summary>
public sealed class MerkleHashStore
{
    /// <summary>Piece hashes asked for at once, as BEP 52 recommends (and libtorrent does).</summary>
    public const int PieceHashesPerRequest = 512;

    private readonly TorrentInfo _info;
    private readonly int _pieceHeight;
    private readonly FileState[] _files;   // data files only (non-empty, not padding), in piece order
    private readonly int[] _firstPieces;   // _firstPieces[i] = _files[i].FirstPiece, for binary search
    private readonly Dictionary<RootKey, List<FileState>> _byRoot = [];  // identical files share a root (and a layer)

    public MerkleHashStore(TorrentInfo info, PieceLayers? layers = null)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (!info.HasV2) throw new ArgumentException("only a v2 or hybrid torrent has merkle trees", nameof(info));
        _info = info;
        _pieceHeight = Merkle.PieceHeight(info.PieceLength);
        var files = new List<FileState>();
        for (int i = 0; i < info.Files.Count; i++)
        {
            var file = info.Files[i];
            if (file.IsPadding || file.Length == 0) continue;
            var state = new FileState(i, file, info.PieceLength);
            var key = RootKey.Of(file.PiecesRoot.Span);
            if (!_byRoot.TryGetValue(key, out var same)) _byRoot.Add(key, same = []);
            if (file.Length > info.PieceLength && layers?.ForFile(i) is { IsEmpty: false } layer)
                state.Tree = same.Count > 0 && same[0].Tree is { } shared ? shared : MerkleTree.Build(layer.Span, _pieceHeight, state.Height); // identical files share one tree
            files.Add(state);
            same.Add(state);
        }
        _files = [.. files];
        _firstPieces = [.. files.Select(f => f.FirstPiece)];
    }

    /// <summary>True when every piece's hash is known (no piece layer is still missing).</summary>
    public bool IsComplete => _files.All(f => f.HasAllPieceHashes);

    /// <summary>The file (index into <see cref="TorrentInfo.Files"/>) holding piece <paramref name="piece"/>, and the piece's index inside it.</summary>
    public (int FileIndex, int PieceInFile) Locate(int piece)
    {
        var file = FileOf(piece);
        return (file.FileIndex, piece - file.FirstPiece);
    }

    /// <summary>Writes the hash piece <paramref name="piece"/> is checked against, if known, with its subtree's height.</summary>
    public bool TryGetPieceHash(int piece, Span<byte> hash, out int subtreeHeight)
    {
        var file = FileOf(piece);
        subtreeHeight = Merkle.PieceSubtreeHeight(file.Length, _info.PieceLength);
        return file.TryGetPieceHash(piece - file.FirstPiece, hash);
    }

    /// <summary>Checks a whole piece (its data bytes only: a v2 piece never covers padding).</summary>
    public PieceCheck CheckPiece(int piece, ReadOnlySpan<byte> data)
    {
        Span<byte> expected = stackalloc byte[Merkle.HashSize];
        if (!TryGetPieceHash(piece, expected, out int height)) return PieceCheck.HashUnknown;
        return MerkleVerifier.VerifyPiece(data, expected, height) ? PieceCheck.Passed : PieceCheck.Failed;
    }

    /// <summary>Bytes of data in piece <paramref name="piece"/>: up to the end of its file (the rest of the piece space is padding).</summary>
    public int PieceDataLength(int piece)
    {
        var file = FileOf(piece);
        return (int)Math.Min(_info.PieceLength, file.Length - (long)(piece - file.FirstPiece) * _info.PieceLength);
    }

    /// <summary>
    /// Hash requests for the piece-layer hashes still missing: up to 512 at a time, proven all the way to the file's
    /// root. Send each to a peer that has pieces in its range; give the answer to <see cref="AddPieceLayerHashes"/>.
    /// </summary>
    public IEnumerable<HashRequest> MissingPieceLayerRequests()
    {
        foreach (var file in _files)
        {
            if (file.HasAllPieceHashes) continue;
            for (int start = 0; start < file.PieceCount; start += PieceHashesPerRequest)
            {
                if (file.IsChunkKnown(start)) continue;
                int count = Math.Max(2, (int)Math.Min(PieceHashesPerRequest, BitOperations.RoundUpToPowerOf2((uint)(file.PieceCount - start))));
                yield return new HashRequest(file.Root.Span, _pieceHeight, start, count, file.Height - _pieceHeight - 1);
            }
        }
    }

    /// <summary>
    /// Takes a 'hashes' answer at the piece layer: kept only when it proves against the file's root. Returns false for
    /// an answer that does not (its sender sent wrong hashes) or that names no file missing hashes.
    /// </summary>
    public bool AddPieceLayerHashes(in HashRequest answer, ReadOnlySpan<byte> hashes)
    {
        var file = FileByRoot(answer.PiecesRoot);
        if (file is null || file.Length <= _info.PieceLength || answer.BaseLayer != _pieceHeight || !answer.IsWellFormed) return false;
        if (!MerkleProof.IsValidRequest(file.Height, answer.BaseLayer, answer.Index, answer.Length, answer.ProofLayers)) return false;
        if (hashes.Length != answer.AnswerHashCount * Merkle.HashSize) return false;
        var baseHashes = hashes[..(answer.Length * Merkle.HashSize)];
        if (!ProvesAgainstKnown(file, baseHashes, answer, hashes[baseHashes.Length..])) return false;
        foreach (var same in _byRoot[RootKey.Of(answer.PiecesRoot)])
            if (same.Tree is null) same.AddLayerHashes(answer.Index, baseHashes, _pieceHeight);
        return true;
    }

    /// <summary>
    /// The request for a piece's 16 KiB block hashes, proven up to the piece's own hash (no uncles): what to ask a peer
    /// for when a piece failed, to learn which blocks were bad. Null when the piece is one block (nothing to narrow down)
    /// or its hash is not known yet.
    /// </summary>
    public HashRequest? BlockHashesRequest(int piece)
    {
        var file = FileOf(piece);
        int height = Merkle.PieceSubtreeHeight(file.Length, _info.PieceLength);
        Span<byte> hash = stackalloc byte[Merkle.HashSize];
        if (height == 0 || !file.TryGetPieceHash(piece - file.FirstPiece, hash)) return null;
        int index = (piece - file.FirstPiece) << height;
        return new HashRequest(file.Root.Span, 0, index, 1 << height, height - 1);
    }

    /// <summary>
    /// With the answer to <see cref="BlockHashesRequest"/>: proves the leaf hashes against the piece's hash, then marks
    /// in <paramref name="bad"/> each block of <paramref name="data"/> that does not match its leaf. Returns the number of
    /// bad blocks, or -1 when the hashes themselves do not prove (their sender lied; the blocks are not judged).
    /// </summary>
    public int FindBadBlocks(int piece, ReadOnlySpan<byte> data, in HashRequest answer, ReadOnlySpan<byte> hashes, Span<bool> bad) =>
        ProveBlockHashes(piece, answer, hashes) ? MerkleVerifier.FindBadBlocks(data, hashes[..(answer.Length * Merkle.HashSize)], bad) : -1;

    /// <summary>
    /// True when <paramref name="hashes"/> answers <see cref="BlockHashesRequest"/> for <paramref name="piece"/> (the same
    /// range at the leaf layer, any proof layers) and its leaf hashes, the first <c>Length</c> of them, climb to a node we
    /// already trust (the piece's hash, or higher). False: the sender lied, or answered something else.
    /// </summary>
    public bool ProveBlockHashes(int piece, in HashRequest answer, ReadOnlySpan<byte> hashes)
    {
        var file = FileOf(piece);
        var expected = BlockHashesRequest(piece);
        if (expected is not { } request || answer.BaseLayer != 0 || answer.Index != request.Index || answer.Length != request.Length
            || !answer.PiecesRoot.SequenceEqual(file.Root.Span) || answer.ProofLayers >= file.Height
            || hashes.Length != answer.AnswerHashCount * Merkle.HashSize)
            return false;
        var leaves = hashes[..(answer.Length * Merkle.HashSize)];
        return ProvesAgainstKnown(file, leaves, answer, hashes[leaves.Length..]);
    }

    /// <summary>
    /// Pieces whose data a hash request below the piece layer needs (their leaf hashes are computed from the data):
    /// the caller reads them, hashes their blocks with <see cref="Merkle.HashBlocks"/> one after another, and passes the
    /// result to <see cref="Answer"/>. No pieces are needed for a request at or above the piece layer.
    /// Returns false when the request cannot be served (reject it).
    /// </summary>
    public bool TryGetLeafWindow(in HashRequest request, out int firstPiece, out int pieceCount)
    {
        firstPiece = pieceCount = 0;
        var file = FileByRoot(request.PiecesRoot);
        if (file is null || !request.IsWellFormed || !MerkleProof.IsValidRequest(file.Height, request.BaseLayer, request.Index, request.Length, request.ProofLayers))
            return false;
        if (file.Tree is not null && request.BaseLayer >= _pieceHeight) return true;
        if (file.Length > _info.PieceLength && file.Tree is null) return false; // uncles above the piece layer are unknown
        int rootHeight = WindowHeight(file, request);
        long firstLeaf = (long)request.Index << request.BaseLayer >> rootHeight << rootHeight;
        firstPiece = file.FirstPiece + (int)(firstLeaf * Merkle.BlockSize / _info.PieceLength);
        long pastLast = Math.Min(file.PieceCount, ((firstLeaf + (1L << rootHeight)) * Merkle.BlockSize + _info.PieceLength - 1) / _info.PieceLength);
        pieceCount = (int)Math.Max(0, pastLast - (firstPiece - file.FirstPiece)); // none when the window lies past the file's end
        return true;
    }

    /// <summary>
    /// Writes the 'hashes' answer to <paramref name="request"/> (base hashes, then uncles) into
    /// <paramref name="destination"/>, with <paramref name="windowLeaves"/> the leaf hashes of the pieces
    /// <see cref="TryGetLeafWindow"/> named (empty when it named none). Returns the bytes written, or -1 to reject.
    /// </summary>
    public int Answer(in HashRequest request, ReadOnlySpan<byte> windowLeaves, Span<byte> destination)
    {
        if (!TryGetLeafWindow(request, out int firstPiece, out int pieceCount)) return -1;
        var file = FileByRoot(request.PiecesRoot)!;
        int rootHeight = WindowHeight(file, request);
        long windowIndex = ((long)request.Index << request.BaseLayer) >> rootHeight;
        if (pieceCount == 0)
        {
            if (request.BaseLayer >= _pieceHeight) return MerkleProof.Write(file.Tree!, request.BaseLayer, request.Index, request.Length, request.ProofLayers, destination);
            // Below the piece layer wholly past the file's end: every node there is a pad.
            var pads = MerkleTree.Build(Merkle.PadHash(request.BaseLayer), request.BaseLayer, rootHeight);
            return MerkleProof.Write(file.Tree!, pads, windowIndex, request.BaseLayer, request.Index, request.Length, request.ProofLayers, destination);
        }

        long leaves = 0;
        for (int p = firstPiece; p < firstPiece + pieceCount; p++) leaves += Merkle.BlockCount(PieceDataLength(p));
        if (windowLeaves.Length != leaves * Merkle.HashSize) return -1;
        var window = MerkleTree.Build(windowLeaves, 0, rootHeight);
        var tree = file.Tree ?? window; // a file of one piece: the window is its whole tree
        return MerkleProof.Write(tree, window, windowIndex, request.BaseLayer, request.Index, request.Length, request.ProofLayers, destination);
    }

    /// <summary>The piece layers now known, to save with the torrent (a magnet's layers, once fetched).</summary>
    public PieceLayers ToPieceLayers() => PieceLayers.FromVerified(_info,
        _files.Where(f => f.Tree is not null).ToDictionary(f => f.FileIndex, f => (ReadOnlyMemory<byte>)f.Tree!.Layer(_pieceHeight).ToArray()));

    /// <summary>The leaf window's root: the piece (or the whole file of one piece), or higher when the request spans more.</summary>
    private int WindowHeight(FileState file, in HashRequest request) =>
        Math.Min(file.Height, Math.Max(_pieceHeight, request.BaseLayer + BitOperations.Log2((uint)request.Length)));

    /// <summary>True when base hashes and uncles climb to a node of the file's tree that is already trusted.</summary>
    private bool ProvesAgainstKnown(FileState file, ReadOnlySpan<byte> baseHashes, in HashRequest answer, ReadOnlySpan<byte> uncles)
    {
        Span<byte> node = stackalloc byte[Merkle.HashSize];
        var (height, index) = MerkleProof.Climb(baseHashes, answer.Length, answer.BaseLayer, answer.Index, uncles, node);
        if (height == file.Height) return node.SequenceEqual(file.Root.Span);
        Span<byte> known = stackalloc byte[Merkle.HashSize];
        if (height == _pieceHeight && index < file.PieceCount && file.TryGetPieceHash((int)index, known)) return node.SequenceEqual(known);
        return file.Tree is not null && height >= _pieceHeight && height <= file.Height && node.SequenceEqual(file.Tree.Node(height, index));
    }

    private FileState FileOf(int piece)
    {
        if ((uint)piece >= (uint)_info.PieceCount) throw new ArgumentOutOfRangeException(nameof(piece), piece, $"must be below {_info.PieceCount}");
        int index = Array.BinarySearch(_firstPieces, piece);
        return _files[index >= 0 ? index : ~index - 1];
    }

    private FileState? FileByRoot(ReadOnlySpan<byte> root) =>
        root.Length == Merkle.HashSize && _byRoot.TryGetValue(RootKey.Of(root), out var files) ? files[0] : null;

    /// <summary>A 32-byte root as a dictionary key, without allocating per lookup.</summary>
    private readonly record struct RootKey(ulong A, ulong B, ulong C, ulong D)
    {
        public static RootKey Of(ReadOnlySpan<byte> root)
        {
            var words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(root);
            return new RootKey(words[0], words[1], words[2], words[3]);
        }
    }

    /// <summary>One data file: its root, and its piece layer as far as known.</summary>
    private sealed class FileState(int fileIndex, FileEntry entry, int pieceLength)
    {
        private byte[]? _layer;      // piece hashes arrived so far, for a file whose layer is still incomplete
        private ulong[]? _known;     // one bit per piece of _layer
        private int _knownCount;

        public int FileIndex { get; } = fileIndex;
        public long Length { get; } = entry.Length;
        public ReadOnlyMemory<byte> Root { get; } = entry.PiecesRoot;
        public int FirstPiece { get; } = (int)(entry.Offset / pieceLength);
        public int PieceCount { get; } = (int)((entry.Length - 1) / pieceLength + 1);
        public int Height { get; } = Merkle.FileHeight(entry.Length);
        public MerkleTree? Tree { get; set; }

        /// <summary>A file of one piece is checked against its root; a longer one needs its whole piece layer.</summary>
        public bool HasAllPieceHashes => PieceCount == 1 || Tree is not null;

        public bool TryGetPieceHash(int pieceInFile, Span<byte> hash)
        {
            if (PieceCount == 1)
            {
                Root.Span.CopyTo(hash);
                return true;
            }
            if (Tree is not null)
            {
                Tree.Node(Merkle.PieceHeight(pieceLength), pieceInFile).CopyTo(hash);
                return true;
            }
            if (_known is null || (_known[pieceInFile >> 6] & (1UL << pieceInFile)) == 0) return false;
            _layer.AsSpan(pieceInFile * Merkle.HashSize, Merkle.HashSize).CopyTo(hash);
            return true;
        }

        public bool IsChunkKnown(int start)
        {
            if (HasAllPieceHashes) return true;
            if (_known is null) return false;
            for (int p = start; p < Math.Min(PieceCount, start + PieceHashesPerRequest); p++)
                if ((_known[p >> 6] & (1UL << p)) == 0) return false;
            return true;
        }

        /// <summary>Keeps proven piece hashes; once every piece's is known, the file's tree is built and the parts dropped.</summary>
        public void AddLayerHashes(int index, ReadOnlySpan<byte> hashes, int pieceHeight)
        {
            _layer ??= new byte[PieceCount * Merkle.HashSize];
            _known ??= new ulong[(PieceCount + 63) / 64];
            int end = Math.Min(PieceCount, index + hashes.Length / Merkle.HashSize);
            for (int p = index; p < end; p++)
            {
                hashes.Slice((p - index) * Merkle.HashSize, Merkle.HashSize).CopyTo(_layer.AsSpan(p * Merkle.HashSize));
                if ((_known[p >> 6] & (1UL << p)) == 0) _knownCount++;
                _known[p >> 6] |= 1UL << p;
            }
            if (_knownCount < PieceCount) return;
            Tree = MerkleTree.Build(_layer, pieceHeight, Height);
            _layer = null;
            _known = null;
        }
    }
}
