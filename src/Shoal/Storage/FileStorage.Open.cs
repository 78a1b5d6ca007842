using Shoal.Metainfo;

namespace Shoal.Storage;

public sealed partial class FileStorage
{
    /// <summary>
    /// Opens (or prepares) a torrent's files under <paramref name="downloadDirectory"/> and finds what is already there:
    /// pieces vouched for by an intact resume record whose files are unchanged (same size, mtime, and on Linux inode and
    /// ctime) are taken on its word, to be hashed before their first upload; every other piece whose files exist is hashed
    /// now (all of them with <see cref="StorageOptions.ForceRecheck"/>). Files whose pieces all verified get their final name.
    /// Throws <see cref="InvalidTorrentException"/> for unsafe or clashing paths, <see cref="SymbolicLinkException"/> for a
    /// link where a file, folder or resume record should be, and <see cref="DiskFullException"/> when the missing data cannot fit.
    /// </summary>
    public static async Task<FileStorage> OpenAsync(TorrentInfo info, string downloadDirectory, StorageOptions? options = null,
        IProgress<RecheckProgress>? recheckProgress = null, CancellationToken ct = default)
    {
        options ??= StorageOptions.Default;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxOpenFiles);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.ReadAheadBytes);
        var paths = StoragePaths.Resolve(info, options.FilePaths);
        var folder = ConfinedFolder.For(downloadDirectory, options.FollowLinks);
        Directory.CreateDirectory(folder.Root);

        var limiter = new OpenFileLimiter(options.MaxOpenFiles);
        var files = new StorageFile?[info.Files.Count];
        var stamps = new FileStamp[files.Length];
        for (int i = 0; i < files.Length; i++)
        {
            stamps[i] = FileStamp.Missing;
            if (paths[i] is not { } path) continue;
            files[i] = new StorageFile(i, info.Files[i], folder, path, limiter);
            stamps[i] = files[i]!.Discover();
        }

        var (recordFolder, recordPath) = ResumeRecordLocation(folder, info, options);
        var record = recordFolder is null || options.ForceRecheck ? null : ResumeRecordStore.TryLoad(recordFolder, recordPath, info);

        var verified = new Bitfield(info.PieceCount);
        var storage = new FileStorage(info, folder, files, limiter, verified, options);
        try
        {
            storage.ParkMissingFiles(options.SkippedFiles);
            var toCheck = storage.PlanRecheck(record, stamps, verified);
            storage.ResumedAtOpen = verified.SetCount;
            await PieceRecheck.RunAsync(info, toCheck, storage.ReadWholePiece, verified, options, recheckProgress, ct);
            foreach (int piece in toCheck)
            {
                if (verified[piece]) storage._hashed[piece] = true;
            }
            storage.RecheckedAtOpen = storage._hashed.SetCount;
            storage.CompleteFinishedFiles();
            await storage.SettleParkingAsync(options.SkippedFiles, ct);
            if (options.CheckFreeSpace) storage.CheckFreeSpace(options.FreeSpaceProbe ?? ProbeFreeSpace);
            if (recordFolder is not null)
            {
                storage._resume = new ResumeRecordStore(recordFolder, recordPath, storage.Snapshot, options.TimeProvider, options.ResumeSaveInterval);
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
    /// Throws <see cref="InvalidTorrentException"/> when the torrent's files, under the paths <paramref name="filePaths"/>
    /// gives (see <see cref="StorageOptions.FilePaths"/>), are unsafe or clash: what <see cref="OpenAsync"/> would refuse.
    /// </summary>
    public static void EnsureValidPaths(TorrentInfo info, IReadOnlyList<IReadOnlyList<string>?>? filePaths)
    {
        ArgumentNullException.ThrowIfNull(info);
        StoragePaths.Resolve(info, filePaths);
    }

    /// <summary>The folder resume records live in (confined like the download folder) and the record's path in it; (null, []) when off.</summary>
    private static (ConfinedFolder? Folder, string[] Path) ResumeRecordLocation(ConfinedFolder downloads, TorrentInfo info, StorageOptions options)
    {
        if (!options.UseResumeRecord) return (null, []);
        string name = StoragePaths.ResumeRecordName(info.InfoHash);
        return options.ResumeDirectory is { } elsewhere
            ? (ConfinedFolder.For(elsewhere), [name])
            : (downloads, [StoragePaths.ResumeFolderName, name]);
    }

    /// <summary>
    /// Marks the pieces the resume record vouches for and returns the ones to hash. A piece is trusted only if every
    /// file it touches has the stamp the record saw; a piece touching a missing file is not present.
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
                present &= file.Exists || IsParked(slice.FileIndex);
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

    /// <summary>Counts each file's missing pieces; gives complete files their final name (zero-length files are created, unless skipped).</summary>
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
            if (missing == 0 && !IsParked(file.Index)) file.Complete(_options.FlushBeforeFinalRename);
        }
    }

    private void CheckFreeSpace(Func<string, long> probe)
    {
        long needed = 0;
        for (int piece = _verified.FirstClear(); piece >= 0; piece = _verified.FirstClear(piece + 1))
        {
            foreach (var slice in Layout.MapPiece(piece, 0, Layout.PieceSize(piece)))
            {
                // A parked (skipped, never created) file needs no room: its share of shared pieces is a few bytes of the part file.
                if (_files[slice.FileIndex] is not null && !IsParked(slice.FileIndex)) needed += slice.Length;
            }
        }
        if (needed == 0) return;
        long available = probe(DownloadDirectory);
        if (needed > available) throw DiskFullException.NotEnoughSpace(DownloadDirectory, needed, available);
    }

    internal static long ProbeFreeSpace(string directory) => new DriveInfo(directory).AvailableFreeSpace;
}
