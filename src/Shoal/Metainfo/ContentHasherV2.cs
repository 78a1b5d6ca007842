using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Shoal.Metainfo;

/// <summary>
/// The BEP 52 hashes of a list of files: per file, the merkle tree's piece layer and root; for a hybrid, also the SHA-1
/// of every piece of the aligned v1 stream. In v2 every piece lies inside one file, so workers take whole pieces in turn,
/// hash their 16 KiB blocks with SHA-256 straight from the read buffer and reduce them to the piece's node at once:
/// memory stays at workers × (chunk + one piece's leaf hashes), whatever the file sizes.
/// </summary>
internal static class ContentHasherV2
{
    /// <summary>One file's merkle root (empty for an empty file) and, when longer than a piece, its piece layer.</summary>
    public sealed record FileHashes(byte[] Root, byte[] PieceLayer);

    public sealed record Result(IReadOnlyList<FileHashes> Files, byte[] V1PieceHashes);

    /// <summary>Zeros for the SHA-1 of a hybrid's padding (BEP 47 padding files hold zeros).</summary>
    private static readonly byte[] Zeros = new byte[ContentHasher.ChunkSize];

    /// <param name="files">In canonical (file tree) order.</param>
    /// <param name="hybrid">Also compute the v1 piece hashes; with more than one file each file's last piece is padded
    /// with zeros to a whole piece, as the hybrid's padding files make it.</param>
    public static async Task<Result> HashAsync(IReadOnlyList<ContentFile> files, int pieceLength, bool hybrid, int workers,
        IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var firstPiece = new int[files.Count + 1]; // firstPiece[i]: global index of file i's first piece; [^1]: the total
        long pieces = 0;
        for (int i = 0; i < files.Count; i++)
        {
            firstPiece[i] = (int)pieces;
            pieces += (files[i].Length + pieceLength - 1) / pieceLength;
            if (pieces > TorrentInfo.MaxPieceCount)
                throw new ArgumentException($"the content needs more than {TorrentInfo.MaxPieceCount} pieces of {pieceLength} bytes; choose a larger piece size");
        }
        firstPiece[^1] = (int)pieces;

        var results = files.Select(f => new FileHashes(
            f.Length == 0 ? [] : new byte[Merkle.HashSize],
            f.Length > pieceLength ? new byte[(f.Length + pieceLength - 1) / pieceLength * Merkle.HashSize] : [])).ToArray();
        var v1 = hybrid ? new byte[pieces * TorrentInfo.HashLength] : [];
        var job = new Job(files, firstPiece, pieceLength, results, v1, padPieces: hybrid && files.Count > 1, progress);
        await ContentHasher.RunWorkersAsync(workers, (int)pieces, job.Work, cancellationToken).ConfigureAwait(false);

        // Roots of files longer than a piece, from their piece layers (padded with the hash of an all-zero piece).
        foreach (var (file, hashes) in files.Zip(results))
        {
            if (hashes.PieceLayer.Length == 0) continue;
            var layer = hashes.PieceLayer.ToArray();
            Merkle.RootInPlace(layer, layer.Length / Merkle.HashSize, Merkle.PieceHeight(pieceLength), Merkle.FileHeight(file.Length), hashes.Root);
        }
        return new Result(results, v1);
    }

    private sealed class Job(IReadOnlyList<ContentFile> files, int[] firstPiece, int pieceLength, FileHashes[] results, byte[] v1,
        bool padPieces, IProgress<long>? progress)
    {
        private int _nextPiece = -1;
        private long _hashed;

        public void Work(CancellationToken cancellationToken)
        {
            // A multiple of 16 KiB, so every chunk but a file's last ends on a block boundary.
            var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(ContentHasher.ChunkSize, pieceLength));
            var leaves = ArrayPool<byte>.Shared.Rent(pieceLength / Merkle.BlockSize * Merkle.HashSize);
            using var sha1 = v1.Length > 0 ? IncrementalHash.CreateHash(HashAlgorithmName.SHA1) : null;
            SafeFileHandle? handle = null;
            int openFile = -1;
            try
            {
                int piece;
                while ((piece = Interlocked.Increment(ref _nextPiece)) < firstPiece[^1])
                {
                    int file = FileOf(piece);
                    if (file != openFile)
                    {
                        handle?.Dispose();
                        handle = ContentHasher.OpenForHashing(files[file]);
                        openFile = file;
                    }
                    int length = HashPiece(handle!, files[file], piece - firstPiece[file], buffer, leaves, sha1, cancellationToken);
                    StoreNode(file, piece - firstPiece[file], length, leaves);
                    if (sha1 is not null)
                    {
                        if (padPieces) AppendZeros(sha1, pieceLength - length);
                        sha1.GetHashAndReset(v1.AsSpan(piece * TorrentInfo.HashLength, TorrentInfo.HashLength));
                    }
                    progress?.Report(Interlocked.Add(ref _hashed, length));
                }
            }
            finally
            {
                handle?.Dispose();
                ArrayPool<byte>.Shared.Return(buffer);
                ArrayPool<byte>.Shared.Return(leaves);
            }
        }

        /// <summary>Reads one piece of a file, leaving its block hashes in <paramref name="leaves"/>; returns its length.</summary>
        private int HashPiece(SafeFileHandle handle, ContentFile file, int pieceInFile, byte[] buffer, byte[] leaves, IncrementalHash? sha1,
            CancellationToken cancellationToken)
        {
            long position = (long)pieceInFile * pieceLength;
            int length = (int)Math.Min(pieceLength, file.Length - position);
            for (int done = 0; done < length;)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int count = Math.Min(buffer.Length, length - done);
                ContentHasher.ReadExactly(handle, buffer.AsSpan(0, count), position + done, file);
                Merkle.HashBlocks(buffer.AsSpan(0, count), leaves.AsSpan(done / Merkle.BlockSize * Merkle.HashSize));
                sha1?.AppendData(buffer, 0, count);
                done += count;
            }
            return length;
        }

        /// <summary>Reduces the piece's leaves to its node: the piece layer entry, or the root of a file of one piece.</summary>
        private void StoreNode(int file, int pieceInFile, int length, byte[] leaves)
        {
            long fileLength = files[file].Length;
            int blocks = (int)Merkle.BlockCount(length);
            var destination = fileLength > pieceLength
                ? results[file].PieceLayer.AsSpan(pieceInFile * Merkle.HashSize, Merkle.HashSize)
                : results[file].Root.AsSpan();
            Merkle.RootInPlace(leaves.AsSpan(0, blocks * Merkle.HashSize), blocks, 0, Merkle.PieceSubtreeHeight(fileLength, pieceLength), destination);
        }

        private static void AppendZeros(IncrementalHash sha1, int count)
        {
            for (; count > 0; count -= Math.Min(count, Zeros.Length)) sha1.AppendData(Zeros, 0, Math.Min(count, Zeros.Length));
        }

        /// <summary>The file holding global piece <paramref name="piece"/> (empty files own no pieces).</summary>
        private int FileOf(int piece)
        {
            int index = Array.BinarySearch(firstPiece, 0, files.Count, piece);
            if (index < 0) return ~index - 1;
            // Empty files share their first piece index with the next file; the piece is the last of those's.
            while (index + 1 < files.Count && firstPiece[index + 1] == piece) index++;
            return index;
        }
    }
}
