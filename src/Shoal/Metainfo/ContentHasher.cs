using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Shoal.Metainfo;

/// <summary>
/// SHA-1 of every piece of a list of files read as one byte stream. Workers take whole pieces in turn and read them in
/// chunks with positional I/O into one pooled buffer each, so memory stays at workers × chunk whatever the piece size,
/// and one worker's reading overlaps another's hashing.
/// </summary>
internal static class ContentHasher
{
    /// <summary>Large enough that system calls cost nothing, small enough to stay in the CPU's caches between read and hash.</summary>
    internal const int ChunkSize = 1024 * 1024;

    public static async Task<byte[]> HashAsync(IReadOnlyList<ContentFile> files, int pieceLength, int workers,
        IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var starts = new long[files.Count];
        long total = 0;
        for (int i = 0; i < files.Count; i++)
        {
            starts[i] = total;
            total = checked(total + files[i].Length);
        }
        long pieceCount = (total + pieceLength - 1) / pieceLength;
        if (pieceCount * TorrentInfo.HashLength > Array.MaxLength)
            throw new ArgumentException($"{total} bytes in pieces of {pieceLength} bytes make too many pieces; choose a larger piece size");
        var hashes = new byte[pieceCount * TorrentInfo.HashLength];
        if (pieceCount == 0) return hashes;

        var job = new Job(files, starts, total, pieceLength, (int)pieceCount, hashes, progress);
        await RunWorkersAsync(workers, (int)pieceCount, job.Work, cancellationToken).ConfigureAwait(false);
        return hashes;
    }

    /// <summary>
    /// Runs <paramref name="work"/> on up to <paramref name="workers"/> threads (no more than there are pieces, at most 64);
    /// the first failure cancels the others and is the exception thrown.
    /// </summary>
    internal static async Task RunWorkersAsync(int workers, int pieceCount, Action<CancellationToken> work, CancellationToken cancellationToken)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tasks = Enumerable.Range(0, Math.Clamp(workers, 1, Math.Clamp(pieceCount, 1, 64)))
            .Select(_ => Task.Factory.StartNew(() =>
            {
                try
                {
                    work(failed.Token);
                }
                catch
                {
                    failed.Cancel(); // stop the other workers at once
                    throw;
                }
            }, failed.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default))
            .ToArray();
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch
        {
            // Report the error that stopped the run, not the cancellations it caused in the other workers.
            var cause = tasks.Where(t => t.IsFaulted).SelectMany(t => t.Exception!.InnerExceptions).FirstOrDefault(e => e is not OperationCanceledException);
            if (cause is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(cause);
            cancellationToken.ThrowIfCancellationRequested();
            throw;
        }
    }

    /// <summary>Fills <paramref name="destination"/> from <paramref name="offset"/>; a file that shrank is an error.</summary>
    internal static void ReadExactly(SafeFileHandle handle, Span<byte> destination, long offset, ContentFile file)
    {
        while (!destination.IsEmpty)
        {
            int read = RandomAccess.Read(handle, destination, offset);
            if (read == 0) throw new IOException($"'{file.FullPath}' became shorter while it was being hashed");
            destination = destination[read..];
            offset += read;
        }
    }

    internal static SafeFileHandle OpenForHashing(ContentFile file) =>
        File.OpenHandle(file.FullPath, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);

    private sealed class Job(IReadOnlyList<ContentFile> files, long[] starts, long total, int pieceLength, int pieceCount,
        byte[] hashes, IProgress<long>? progress)
    {
        private int _nextPiece = -1;
        private long _hashed;

        public void Work(CancellationToken cancellationToken)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(ChunkSize, pieceLength));
            using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
            SafeFileHandle? handle = null;
            int openFile = -1;
            try
            {
                int piece;
                while ((piece = Interlocked.Increment(ref _nextPiece)) < pieceCount)
                {
                    long position = (long)piece * pieceLength;
                    long end = Math.Min(position + pieceLength, total);
                    int file = FileAt(position);
                    while (position < end)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        while (starts[file] + files[file].Length <= position) file++; // skips empty files too
                        if (file != openFile)
                        {
                            handle?.Dispose();
                            handle = OpenForHashing(files[file]);
                            openFile = file;
                        }
                        int count = (int)Math.Min(buffer.Length, Math.Min(end, starts[file] + files[file].Length) - position);
                        ReadExactly(handle!, buffer.AsSpan(0, count), position - starts[file], files[file]);
                        sha1.AppendData(buffer, 0, count);
                        position += count;
                    }
                    sha1.GetHashAndReset(hashes.AsSpan(piece * TorrentInfo.HashLength, TorrentInfo.HashLength));
                    long done = Interlocked.Add(ref _hashed, end - (long)piece * pieceLength);
                    progress?.Report(done);
                }
            }
            finally
            {
                handle?.Dispose();
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        /// <summary>The first file whose bytes reach past <paramref name="position"/>.</summary>
        private int FileAt(long position)
        {
            int index = Array.BinarySearch(starts, position);
            if (index < 0) index = ~index - 1;
            // Several files (empty ones) can start at the same offset; begin with the first of them.
            while (index > 0 && starts[index - 1] == starts[index]) index--;
            return Math.Max(index, 0);
        }
    }
}
