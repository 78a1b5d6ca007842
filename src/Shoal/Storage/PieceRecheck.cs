using System.Buffers;
using Shoal.Metainfo;

namespace Shoal.Storage;

/// <summary>
/// Hashes existing pieces in parallel: up to <see cref="StorageOptions.RecheckWorkers"/> threads, each with one
/// pooled piece buffer (fewer for huge pieces, see <see cref="StorageOptions.RecheckMemoryBudget"/>).
/// </summary>
internal static class PieceRecheck
{
    /// <summary>Reads a whole piece into the span; false when its data is not on disk (a file is missing).</summary>
    public delegate bool PieceReader(int piece, Span<byte> destination);

    /// <summary>Sets in <paramref name="verified"/> every piece of <paramref name="pieces"/> whose data is present and correct.</summary>
    public static async Task RunAsync(TorrentInfo info, IReadOnlyList<int> pieces, PieceReader read, Bitfield verified,
        StorageOptions options, IProgress<RecheckProgress>? progress, CancellationToken ct)
    {
        int alreadyValid = verified.SetCount;
        progress?.Report(new RecheckProgress(0, pieces.Count, alreadyValid, info.PieceCount));
        if (pieces.Count == 0) return;

        long byBudget = Math.Max(1, options.RecheckMemoryBudget / info.PieceLength);
        int workers = (int)Math.Clamp(Math.Min(options.RecheckWorkers, byBudget), 1, pieces.Count);
        var good = new bool[pieces.Count];
        int next = -1, done = 0, valid = 0;
        int reportEvery = Math.Max(1, pieces.Count / 200);

        void Work()
        {
            byte[] buffer = ArrayPool<byte>.Shared.Rent(info.PieceLength);
            try
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < pieces.Count)
                {
                    ct.ThrowIfCancellationRequested();
                    int piece = pieces[i];
                    var data = buffer.AsSpan(0, info.PieceSize(piece));
                    if (read(piece, data) && PieceHasher.Verify(info, piece, data))
                    {
                        good[i] = true;
                        Interlocked.Increment(ref valid);
                    }
                    int n = Interlocked.Increment(ref done);
                    if (progress is not null && n % reportEvery == 0 && n < pieces.Count)
                        progress.Report(new RecheckProgress(n, pieces.Count, alreadyValid + Volatile.Read(ref valid), info.PieceCount));
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        var tasks = new Task[workers];
        for (int w = 0; w < workers; w++) tasks[w] = Task.Factory.StartNew(Work, ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await Task.WhenAll(tasks);
        // The final report comes last, after every worker's.
        progress?.Report(new RecheckProgress(pieces.Count, pieces.Count, alreadyValid + valid, info.PieceCount));
        for (int i = 0; i < pieces.Count; i++)
        {
            if (good[i]) verified[pieces[i]] = true;
        }
    }
}
