namespace Shoal.Storage;

/// <summary>Settings of a <see cref="FileStorage"/>; the defaults suit a command-line client.</summary>
public sealed record StorageOptions
{
    public static StorageOptions Default { get; } = new();

    /// <summary>Where resume records go; null means <c>downloadDirectory/.shoal</c>.</summary>
    public string? ResumeDirectory { get; init; }

    /// <summary>Whether to read and write resume records at all (off: every open rechecks everything that exists).</summary>
    public bool UseResumeRecord { get; init; } = true;

    /// <summary>The resume record is rewritten at most this often while pieces arrive (plus on completion, flush and dispose).</summary>
    public TimeSpan ResumeSaveInterval { get; init; } = TimeSpan.FromSeconds(5);

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Refuse to start when the missing data cannot fit in the free space of the download directory.</summary>
    public bool CheckFreeSpace { get; init; } = true;

    /// <summary>Bytes free on the file system holding a directory; injectable for tests. Null uses <see cref="DriveInfo"/>.</summary>
    public Func<string, long>? FreeSpaceProbe { get; init; }

    /// <summary>Most file handles kept open at once (least recently used ones are closed beyond this).</summary>
    public int MaxOpenFiles { get; init; } = 128;

    /// <summary>Hashing threads for the recheck on open (each holds one piece buffer).</summary>
    public int RecheckWorkers { get; init; } = Environment.ProcessorCount;

    /// <summary>Upper bound on piece buffers held by the recheck (limits workers for huge pieces).</summary>
    public long RecheckMemoryBudget { get; init; } = 64L * 1024 * 1024;

    /// <summary>Total bytes of the upload read cache; 0 turns it off.</summary>
    public int ReadCacheBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Size of the aligned run read (and cached) when an upload read misses the cache.</summary>
    public int ReadAheadBytes { get; init; } = 128 * 1024;

    /// <summary>
    /// fsync a file before it is renamed to its final name (and its folder after), so a power cut never leaves a final name
    /// over lost writes. Resume records are always preceded by an fsync of the files they vouch for.
    /// </summary>
    public bool FlushBeforeFinalRename { get; init; } = true;

    /// <summary>
    /// Follow symbolic links in the torrent's files and folders wherever they lead. Only for content the user named
    /// themselves (<c>shoal seed PATH</c>: its torrent was made by following the same links); a download never does.
    /// </summary>
    public bool FollowLinks { get; init; }

    /// <summary>
    /// Let the OS drop downloaded pieces from its page cache soon after they are written (Linux; elsewhere ignored):
    /// less memory and kernel CPU for a download, at the price of reading those pieces from disk when uploading them
    /// later. For a download that will not be seeded (<c>shoal get</c> without <c>--seed</c>).
    /// </summary>
    public bool DropWrittenPages { get; init; }

    /// <summary>Ignore any resume record: hash every piece found on disk when opening (<c>--recheck</c>). A fresh record is written after.</summary>
    public bool ForceRecheck { get; init; }

    /// <summary>
    /// Per torrent (set with <c>with</c>): one flag per file, true for files the user skipped. Those not on disk yet are
    /// never created (see <see cref="FileStorage.SetSkippedFilesAsync"/>); null for none skipped.
    /// </summary>
    public IReadOnlyList<bool>? SkippedFiles { get; init; }

    /// <summary>
    /// Per torrent (set with <c>with</c>): each file's path under the download directory as components, its top folder
    /// included, replacing the torrent's own (a user's rename, Transmission's torrent-rename-path). Null, or a null entry,
    /// keeps the torrent's path. Checked like the torrent's own paths (<see cref="FileStorage.EnsureValidPaths"/>).
    /// </summary>
    public IReadOnlyList<IReadOnlyList<string>?>? FilePaths { get; init; }
}
