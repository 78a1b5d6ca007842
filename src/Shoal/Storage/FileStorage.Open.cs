using Shoal.Metainfo;

namespace Shoal.Storage;

public sealed partial class FileStorage
{
    /// <summary>
    /// Opens (or prepares) a torrent's files under <paramref name="downloadDirectory"/> and finds what is already there:
    /// pieces vouched for by an intact resume record whose files are unchanged (same size and mtime) are trusted;
    /// every other piece whose files exist is hashed. Files whose pieces all verified get their final name.
    /// Throws <see cref="InvalidTorrentException"/> for unsafe paths and <see cref="DiskFullException"/> when the
    /// missing data cannot fit.
    /// </summary>
    public static async Task<FileStorage> OpenAsync(TorrentInfo info, string downloadDirectory, StorageOptions? options = null,
        IProgress<RecheckProgress>? recheckProgress = null, CancellationToken ct = default)
    {
        options ??= StorageOptions.Default;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxOpenFiles);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.ReadAheadBytes);
        string root = Path.GetFullPath(downloadDirectory);
        var paths = StoragePaths.Resolve(info, root);
        Directory.CreateDirectory(root);

        var limiter = new OpenFileLimiter(options.MaxOpenFiles);
        var files = new StorageFile?[info.Files.Count];
        var stamps = new FileStamp[files.Length];
        for (int i = 0; i < files.Length; i++)
        {
            stamps[i] = FileStamp.Missing;
            if (paths[i] is not { } path) continue;
            files[i] = new StorageFile(i, info.Files[i], path, limiter);
            stamps[i] = files[i]!.Discover();
        }

        string? recordPath = options.UseResumeRecord
            ? StoragePaths.ResumeRecordPath(options.ResumeDirectory ?? Path.Join(root, StoragePaths.ResumeFolderName), info.InfoHash)
            : null;
        var record = recordPath is null ? null : ResumeRecordStore.TryLoad(recordPath, info);

        var verified = new Bitfield(info.PieceCount);
        var storage = new FileStorage(info, root, files, limiter, verified, options);
        try
        {
            var toCheck = storage.PlanRecheck(record, stamps, verified);
            await PieceRecheck.RunAsync(info, toCheck, storage.ReadForRecheck, verified, options, recheckProgress, ct);
            storage.CompleteFinishedFiles();
            if (options.CheckFreeSpace) storage.CheckFreeSpace(options.FreeSpaceProbe ?? ProbeFreeSpace);
            if (recordPath is not null)
            {
                storage._resume = new ResumeRecordStore(recordPath, storage.Snapshot, options.TimeProvider, options.ResumeSaveInterval);
                // Rechecked work is saved at once, so the next start can skip it.
                if (record is null || toCheck.Count > 0) await storage._resume.SaveAsync(ct);
            }
            return storage;
        }
        catch
        {
            await storage.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Marks the pieces the resume record vouches for and returns the ones to hash. A piece is trusted only if every
    /// file it touches has the size and mtime the record saw; a piece touching a missing file is not present.
    /// </summary>
    private List<int> PlanRecheck(ResumeRecord? record, FileStamp[] stamps, Bitfield verified)
    {
        var trusted = new bool[_files.Length];
        for (int i = 0; i < _files.Length; i++) trusted[i] = record is not null && _files[i] is not null && stamps[i] == record.Files[i] && stamps[i] != FileStamp.Missing;
        var toCheck = new List<int>();
        for (int piece = 0; piece < Info.PieceCount; piece++)
        {
            bool present = true, allTrusted = record is not null;
            foreach (var slice in Layout.MapPiece(piece, 0, Layout.PieceSize(piece)))
            {
                if (_files[slice.FileIndex] is not { } file) continue;
                present &= file.Exists;
                allTrusted &= trusted[slice.FileIndex];
            }
            if (!present) continue;
            if (allTrusted)
            {
                if (record!.Verified[piece]) verified[piece] = true;
            }
            else toCheck.Add(piece);
        }
        return toCheck;
    }

    /// <summary>Counts each file's missing pieces; gives complete files their final name (zero-length files are created).</summary>
    private void CompleteFinishedFiles()
    {
        foreach (var file in _files)
        {
            if (file is null) continue;
            var (first, last) = Layout.PieceRange(file.Index);
            int missing = 0;
            for (int p = first; p <= last; p++)
            {
                if (!_verified[p]) missing++;
            }
            file.PiecesMissing = missing;
            if (missing == 0) file.Complete(flush: false);
        }
    }

    private void CheckFreeSpace(Func<string, long> probe)
    {
        long needed = 0;
        for (int piece = _verified.FirstClear(); piece >= 0; piece = _verified.FirstClear(piece + 1))
        {
            foreach (var slice in Layout.MapPiece(piece, 0, Layout.PieceSize(piece)))
            {
                if (_files[slice.FileIndex] is not null) needed += slice.Length;
            }
        }
        if (needed == 0) return;
        long available = probe(DownloadDirectory);
        if (needed > available) throw DiskFullException.NotEnoughSpace(DownloadDirectory, needed, available);
    }

    internal static long ProbeFreeSpace(string directory) => new DriveInfo(directory).AvailableFreeSpace;
}
