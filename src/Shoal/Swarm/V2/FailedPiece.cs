using Shoal.Metainfo;

namespace Shoal.Swarm.V2;

/// <summary>
/// A v2 (or hybrid) piece that failed its hash and is held, with its buffer, until proven leaf hashes from a peer say
/// which of its 16 KiB blocks were bad. The leaf hashes of what we received are computed once, on the hashing worker
/// that found the failure, so judging an answer under the torrent's lock is a comparison, not a re-hash of the piece.
/// </summary>
internal sealed class FailedPiece
{
    private readonly byte[] _leaves;     // SHA-256 of each data block as received
    private readonly bool[] _badPadding; // blocks whose bytes past the file's end (a hybrid's padding) are not zeros

    private FailedPiece(PieceDownload download, byte[] leaves, int dataBlocks, bool[] badPadding, long failedAt)
    {
        Download = download;
        _leaves = leaves;
        DataBlocks = dataBlocks;
        _badPadding = badPadding;
        FailedAt = failedAt;
    }

    public PieceDownload Download { get; }

    public int Piece => Download.Index;

    /// <summary>Blocks holding file data (a hybrid's last piece of a file may go on with padding blocks).</summary>
    public int DataBlocks { get; }

    /// <summary>When the piece failed: a piece nobody tells us about in time is failed whole, as a v1 piece is.</summary>
    public long FailedAt { get; }

    /// <summary>
    /// Hashes the blocks of a failed piece (on the worker, without the lock). Null when the piece cannot be narrowed
    /// down: its v2 hash is unknown, or it is a single block (the piece hash already is that block's hash).
    /// </summary>
    public static FailedPiece? Hash(TorrentInfo info, PieceDownload download, long now)
    {
        if (!info.HasV2) return null;
        Span<byte> expected = stackalloc byte[Merkle.HashSize];
        if (!info.TryGetV2PieceHash(download.Index, expected, out int height, out int dataLength) || height == 0) return null;
        var data = download.Buffer.AsSpan(0, download.Size);
        if (dataLength > data.Length) return null;
        int dataBlocks = (int)Merkle.BlockCount(dataLength);
        var leaves = new byte[dataBlocks * Merkle.HashSize];
        Merkle.HashBlocks(data[..dataLength], leaves);
        var badPadding = new bool[download.BlockCount];
        for (int block = 0; block < download.BlockCount; block++)
        {
            int start = Math.Max(block * Merkle.BlockSize, dataLength), end = block * Merkle.BlockSize + download.BlockLength(block);
            badPadding[block] = start < end && data[start..end].ContainsAnyExcept((byte)0);
        }
        return new FailedPiece(download, leaves, dataBlocks, badPadding, now);
    }

    /// <summary>
    /// Marks in <paramref name="bad"/> (one flag per block of the piece) each block whose data differs from its proven
    /// leaf hash in <paramref name="provenLeaves"/>, or whose padding is not zeros; returns how many.
    /// </summary>
    public int FindBadBlocks(ReadOnlySpan<byte> provenLeaves, Span<bool> bad)
    {
        if (provenLeaves.Length < _leaves.Length) throw new ArgumentException($"{DataBlocks} leaf hashes needed", nameof(provenLeaves));
        int count = 0;
        for (int block = 0; block < _badPadding.Length; block++)
        {
            bad[block] = _badPadding[block] || block < DataBlocks
                && !_leaves.AsSpan(block * Merkle.HashSize, Merkle.HashSize).SequenceEqual(provenLeaves.Slice(block * Merkle.HashSize, Merkle.HashSize));
            if (bad[block]) count++;
        }
        return count;
    }
}
