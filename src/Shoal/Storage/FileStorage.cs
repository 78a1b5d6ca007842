using System.Runtime.CompilerServices;
using Shoal.Metainfo;

namespace Shoal.Storage;

/// <summary>
/// A torrent's data in files under a download directory (multi-file torrents under <c>downloadDirectory/Name/</c>).
/// Incomplete files are named <c>name.part</c> and get their final name once every piece overlapping them verified;
/// padding files are never created. I/O is positional (<see cref="RandomAccess"/>) on lazily opened handles, every one
/// opened through a <see cref="ConfinedFolder"/> (no symbolic link is followed out of the download directory).
/// Open with <see cref="OpenAsync"/>, which rechecks existing data (or takes an unchanged resume record's word for it:
/// such pieces are hashed before they are first uploaded, see <see cref="ReadAsync"/>).
/// </summary>
public sealed partial class FileStorage : IPieceStorage
{
    private readonly StorageFile?[] _files;
    private readonly Bitfield _verified;
    private readonly Lock _stateLock = new();
    private readonly StorageOptions _options;
    private readonly OpenFileLimiter _limiter;
    private ReadCache? _cache; // made by the first upload read: a torrent nobody downloads from keeps no slots
    private readonly WrittenPageDropper? _dropper;
    private ResumeRecordStore? _resume;
    private int _written;
    private int _disposed;

    private ReadCache? ReadCacheForUploads() => _options.ReadCacheBytes <= 0 ? null
        : Volatile.Read(ref _cache) ?? LazyInitializer.EnsureInitialized(ref _cache, () => new ReadCache(_options.ReadCacheBytes, _options.ReadAheadBytes));

    private FileStorage(TorrentInfo info, ConfinedFolder folder, StorageFile?[] files, OpenFileLimiter limiter, Bitfield verified, StorageOptions options)
    {
        Info = info;
        Layout = new FileLayout(info);
        DownloadDirectory = folder.Root;
        _files = files;
        _limiter = limiter;
        _verified = verified;
        _hashed = new Bitfield(info.PieceCount);
        _options = options;
        _parked = new bool[files.Length];
        _parkedPieces = new Bitfield(info.PieceCount);
        _partFile = new PartFile(folder, info.InfoHash, info.PieceLength);
        if (options.DropWrittenPages && WrittenPageDropper.IsSupported) _dropper = new WrittenPageDropper();
        long byBudget = Math.Max(1, options.RecheckMemoryBudget / info.PieceLength);
        _vouchSlots = new SemaphoreSlim((int)Math.Clamp(Math.Min(options.RecheckWorkers, byBudget), 1, 64));
    }

    public TorrentInfo Info { get; }

    public FileLayout Layout { get; }

    /// <summary>The full path of the directory the torrent's name is created in.</summary>
    public string DownloadDirectory { get; }

    public Bitfield Verified => _verified;

    /// <summary>The resume record file, or null when resume records are off.</summary>
    public string? ResumeRecordPath => _resume?.Path;

    /// <summary>Why the last resume record save failed (the download goes on without it), or null.</summary>
    public Exception? ResumeRecordError => _resume?.LastError;

    /// <summary>Pieces the resume record vouched for when the storage opened (not hashed then).</summary>
    public int ResumedAtOpen { get; private set; }

    /// <summary>Pieces found on disk and hashed correct when the storage opened.</summary>
    public int RecheckedAtOpen { get; private set; }

    /// <summary>The pieces held now, and how many of them were hashed in this run or are held on a resume record's word.</summary>
    public PieceCounts Counts
    {
        get
        {
            lock (_stateLock) return new PieceCounts(_verified.SetCount, _verified.SetCount - _hashed.SetCount, _written);
        }
    }

    /// <summary>Where file <paramref name="fileIndex"/> is on disk now (final or <c>.part</c> name); null for padding files.</summary>
    public string? CurrentPath(int fileIndex) => _files[fileIndex]?.CurrentPath;

    /// <summary>The name file <paramref name="fileIndex"/> gets when complete; null for padding files.</summary>
    public string? FinalPath(int fileIndex) => _files[fileIndex]?.FinalPath;

    /// <summary>Handles open now (bounded by <see cref="StorageOptions.MaxOpenFiles"/>).</summary>
    public int OpenFileCount => _limiter.OpenCount;

    public ValueTask WritePieceAsync(int piece, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        ThrowIfDisposed();
        int size = Layout.PieceSize(piece);
        if (data.Length != size) throw new ArgumentException($"piece {piece} is {size} bytes, got {data.Length}", nameof(data));
        // Already on disk and verified: a duplicate (e.g. from endgame) changes nothing.
        if (_verified[piece]) return ValueTask.CompletedTask;
        _cache?.Invalidate(piece);
        return WriteCoreAsync(piece, data, ct);
    }

    /// <summary>
    /// The upload read path: serves only verified pieces, and hashes a piece taken on the resume record's word once,
    /// before its first byte is served; a piece that no longer matches is dropped (<see cref="PieceInvalidated"/>) and
    /// the read fails with <see cref="PieceUnavailableException"/>.
    /// </summary>
    public ValueTask ReadAsync(int piece, int offset, Memory<byte> destination, CancellationToken ct)
    {
        ThrowIfDisposed();
        int size = Layout.PieceSize(piece);
        if (offset < 0 || (long)offset + destination.Length > size)
            throw new ArgumentOutOfRangeException(nameof(offset), $"range {offset}+{destination.Length} lies outside piece {piece} of {size} bytes");
        if (!_hashed[piece]) return VouchThenReadAsync(piece, offset, destination, ct);
        if (ReadCacheForUploads() is { } cache && cache.Fits(offset, destination.Length))
        {
            if (cache.TryRead(piece, offset, destination.Span)) return ValueTask.CompletedTask;
            int run = offset / cache.RunBytes;
            if (cache.TryReserve(piece, run, out var reservation)) return LoadRunAsync(cache, reservation, piece, run, offset, destination, ct);
        }
        return ReadDirectAsync(piece, offset, destination, ct);
    }

    public async ValueTask MarkVerifiedAsync(int piece, CancellationToken ct)
    {
        ThrowIfDisposed();
        int size = Layout.PieceSize(piece);
        List<StorageFile>? completed = null;
        bool all;
        lock (_stateLock)
        {
            if (_verified[piece]) return;
            _verified[piece] = true;
            // The caller hashed it before writing it (the contract of WritePieceAsync): it counts as checked in this run.
            _hashed[piece] = true;
            _written++;
            foreach (var slice in Layout.MapPiece(piece, 0, size))
            {
                // A parked file is not created, even when complete: its bytes stay in the part file until it is wanted.
                if (_files[slice.FileIndex] is { } file && --file.PiecesMissing == 0 && !IsParked(file.Index)) (completed ??= []).Add(file);
            }
            all = _verified.IsComplete;
        }
        _resume?.MarkDirty();
        if (completed is not null)
        {
            foreach (var file in completed) file.Complete(_options.FlushBeforeFinalRename);
        }
        // The final state is worth saving at once: the next start then skips the recheck entirely.
        if (all && _resume is not null) await _resume.SaveAsync(ct);
    }

    public async ValueTask FlushAsync(CancellationToken ct)
    {
        ThrowIfDisposed();
        await Task.Run(SyncFiles, ct);
        if (_resume is not null) await _resume.SaveAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (_resume is not null) await _resume.DisposeAsync();
        foreach (var file in _files) file?.Close();
        _partFile.Close(delete: !Array.Exists(_parked, p => p) && _partFile.Exists);
    }

    /// <summary>fsync of every file written since the last one: before a resume record may vouch for their pieces.</summary>
    private void SyncFiles()
    {
        foreach (var file in _files) file?.Sync();
    }

    private ValueTask WriteCoreAsync(int piece, ReadOnlyMemory<byte> data, CancellationToken ct) =>
        TouchesUncreatedFile(piece, data.Length) ? WriteGatedAsync(piece, data, ct) : WriteFilesAsync(piece, data, ct);

    /// <summary>The piece's bytes to its files, but for parked ones (written to the part file by the caller).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteFilesAsync(int piece, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        foreach (var slice in Layout.MapPiece(piece, 0, data.Length))
        {
            if (_files[slice.FileIndex] is not { } file || IsParked(slice.FileIndex)) continue; // padding: never written
            using var lease = file.Acquire(forWrite: true);
            try
            {
                await RandomAccess.WriteAsync(lease.Handle!, data.Slice(slice.BufferOffset, slice.Length), slice.FileOffset, ct);
                _dropper?.Written(lease.Handle!, slice.FileOffset, slice.Length);
            }
            catch (IOException ex) when (DiskFullException.FromWriteFailure(ex, file.Shown) is { } full)
            {
                throw full;
            }
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ReadDirectAsync(int piece, int offset, Memory<byte> destination, CancellationToken ct)
    {
        foreach (var slice in Layout.MapPiece(piece, offset, destination.Length))
        {
            var part = destination.Slice(slice.BufferOffset, slice.Length);
            if (_files[slice.FileIndex] is not { } file)
            {
                part.Span.Clear(); // padding reads as zeros
                continue;
            }
            if (IsParked(slice.FileIndex))
            {
                await _partFile.ReadAsync(piece, slice.BufferOffset + offset, part, ct);
                continue;
            }
            using var lease = file.Acquire(forWrite: false);
            if (lease.Handle is null) throw new IOException($"{file.Shown} is missing: piece {piece} cannot be read");
            int done = 0;
            while (done < part.Length)
            {
                int n = await RandomAccess.ReadAsync(lease.Handle, part[done..], slice.FileOffset + done, ct);
                if (n == 0) throw new IOException($"{file.Shown} is shorter than expected ({slice.FileOffset + done} bytes): was it truncated?");
                done += n;
            }
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask LoadRunAsync(ReadCache cache, ReadCache.Reservation reservation, int piece, int run, int offset, Memory<byte> destination, CancellationToken ct)
    {
        int runStart = run * cache.RunBytes;
        int runLength = Math.Min(cache.RunBytes, Layout.PieceSize(piece) - runStart);
        try
        {
            await ReadDirectAsync(piece, runStart, cache.BufferOf(reservation, runLength), ct);
        }
        catch
        {
            cache.Abandon(reservation);
            throw;
        }
        cache.Complete(reservation, runLength, offset - runStart, destination.Span);
    }

    /// <summary>Synchronous whole-piece read for hashing: missing files mean "not present", bytes past the end read as zeros.</summary>
    private bool ReadWholePiece(int piece, Span<byte> destination)
    {
        foreach (var slice in Layout.MapPiece(piece, 0, destination.Length))
        {
            var part = destination.Slice(slice.BufferOffset, slice.Length);
            if (_files[slice.FileIndex] is not { } file)
            {
                part.Clear();
                continue;
            }
            if (IsParked(slice.FileIndex))
            {
                if (!_partFile.TryRead(piece, slice.BufferOffset, part)) return false;
                continue;
            }
            using var lease = file.Acquire(forWrite: false);
            if (lease.Handle is null) return false;
            int done = 0;
            while (done < part.Length)
            {
                int n = RandomAccess.Read(lease.Handle, part[done..], slice.FileOffset + done);
                if (n == 0) break;
                done += n;
            }
            part[done..].Clear();
        }
        return true;
    }

    private ResumeRecord Snapshot()
    {
        Bitfield verified;
        lock (_stateLock) verified = _verified.Clone();
        // Every piece in the bitfield was written before it got there: made durable before a record vouches for it.
        SyncFiles();
        // Stamps after the bitfield: a piece in the bitfield was written before its file was stamped.
        var stamps = new FileStamp[_files.Length];
        for (int i = 0; i < _files.Length; i++) stamps[i] = _files[i]?.Stamp() ?? FileStamp.Missing;
        return new ResumeRecord(Info.InfoHash, stamps, verified);
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}
