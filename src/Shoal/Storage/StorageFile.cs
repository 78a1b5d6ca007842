using Microsoft.Win32.SafeHandles;
using Shoal.Metainfo;

namespace Shoal.Storage;

/// <summary>
/// One real (non-padding) file of a torrent on disk: which name it currently has (<c>name.part</c> while incomplete,
/// the final name once every piece overlapping it verified) and a lazily opened handle for positional I/O.
/// The handle is only closed when no I/O is using it (<see cref="Lease"/>); renames keep it open.
/// </summary>
internal sealed class StorageFile
{
    private readonly Lock _lock = new();
    private readonly OpenFileLimiter _limiter;
    private SafeFileHandle? _handle;
    private bool _writable;
    private int _inUse;
    private long _lastUse;
    private int _stampStale = 1;
    private FileStamp _stamp = FileStamp.Missing;

    public StorageFile(int index, FileEntry entry, string finalPath, OpenFileLimiter limiter)
    {
        Index = index;
        Length = entry.Length;
        FinalPath = finalPath;
        PartPath = StoragePaths.PartPath(finalPath);
        _limiter = limiter;
    }

    public int Index { get; }

    public long Length { get; }

    public string FinalPath { get; }

    public string PartPath { get; }

    /// <summary>Whether the data is on disk under some name.</summary>
    public bool Exists { get; private set; }

    /// <summary>Whether the data is under its final name.</summary>
    public bool IsFinal { get; private set; }

    /// <summary>Every piece overlapping the file verified and the file renamed to its final name.</summary>
    public bool IsComplete { get; private set; }

    /// <summary>Pieces overlapping this file not yet verified (kept by <see cref="FileStorage"/> under its state lock).</summary>
    public int PiecesMissing { get; set; }

    public string CurrentPath => IsFinal ? FinalPath : PartPath;

    public long LastUse => Volatile.Read(ref _lastUse);

    public bool IsOpen => Volatile.Read(ref _handle) is not null;

    /// <summary>Finds the file under its final name (preferred: existing data being seeded) or its partial name.</summary>
    public FileStamp Discover()
    {
        lock (_lock)
        {
            if (Directory.Exists(FinalPath)) throw new IOException($"{FinalPath} is a folder, but the torrent has a file there");
            var final = new FileInfo(FinalPath);
            var part = final.Exists ? null : new FileInfo(PartPath);
            var found = final.Exists ? final : part!.Exists ? part : null;
            Exists = found is not null;
            IsFinal = final.Exists;
            return found is null ? FileStamp.Missing : new FileStamp(found.Length, found.LastWriteTimeUtc.Ticks);
        }
    }

    /// <summary>
    /// Size and mtime for the resume record. Re-read only after our own writes (or on first use): for a file we did
    /// not touch, the old stamp is what the record vouches for, and a change by someone else then shows as a mismatch.
    /// </summary>
    public FileStamp Stamp()
    {
        if (Interlocked.Exchange(ref _stampStale, 0) == 0) return _stamp;
        try
        {
            lock (_lock)
            {
                if (_handle is not null) return _stamp = new FileStamp(RandomAccess.GetLength(_handle), File.GetLastWriteTimeUtc(_handle).Ticks);
                var info = new FileInfo(CurrentPath);
                return _stamp = info.Exists ? new FileStamp(info.Length, info.LastWriteTimeUtc.Ticks) : FileStamp.Missing;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Volatile.Write(ref _stampStale, 1);
            return FileStamp.Missing;
        }
    }

    /// <summary>
    /// A handle for I/O, opened if needed. For reading, a missing file gives a lease without a handle. For writing,
    /// the file is created (sparse, full length) as <c>name.part</c>, and an incomplete file found under its final
    /// name is first renamed to <c>name.part</c> so it never looks complete while it is being written.
    /// </summary>
    public Lease Acquire(bool forWrite)
    {
        bool opened;
        SafeFileHandle handle;
        lock (_lock)
        {
            if (forWrite && IsFinal && !IsComplete)
            {
                File.Move(FinalPath, PartPath, overwrite: true);
                IsFinal = false;
            }
            opened = _handle is null;
            if (_handle is null)
            {
                if (!Open(forWrite)) return default;
                _limiter.Add(this);
            }
            if (forWrite && !_writable) throw new IOException($"cannot write to {CurrentPath}: it could only be opened read-only");
            Interlocked.Increment(ref _inUse);
            Volatile.Write(ref _lastUse, Environment.TickCount64);
            if (forWrite) Volatile.Write(ref _stampStale, 1);
            handle = _handle!;
        }
        if (opened) _limiter.TrimExcess(this);
        return new Lease(this, handle, forWrite);
    }

    /// <summary>Renames the completed file to its final name, with exactly the torrent's length.</summary>
    public void Complete(bool flush)
    {
        lock (_lock)
        {
            if (IsComplete) return;
            if (!IsFinal || flush || !Exists || SizeOnDisk() != Length)
            {
                using var handle = _handle is null ? OpenForFinish() : null;
                var h = _handle ?? handle!;
                if (RandomAccess.GetLength(h) != Length) RandomAccess.SetLength(h, Length);
                if (flush) RandomAccess.FlushToDisk(h);
            }
            if (!IsFinal) File.Move(PartPath, FinalPath, overwrite: true);
            Volatile.Write(ref _stampStale, 1);
            IsFinal = true;
            IsComplete = true;
        }
    }

    /// <summary>fsync, if the file is open for writing.</summary>
    public void Flush()
    {
        lock (_lock)
        {
            if (_handle is not null && _writable) RandomAccess.FlushToDisk(_handle);
        }
    }

    /// <summary>Closes the handle unless I/O is using it; true if it is closed now.</summary>
    public bool TryClose()
    {
        lock (_lock)
        {
            if (_handle is null) return true;
            if (Volatile.Read(ref _inUse) > 0) return false;
            _handle.Dispose();
            _handle = null;
            _limiter.Remove(this);
        }
        return true;
    }

    /// <summary>Closes the handle even if in use (on dispose; in-flight system calls keep it alive until they return).</summary>
    public void Close()
    {
        lock (_lock)
        {
            _handle?.Dispose();
            _handle = null;
            _limiter.Remove(this);
        }
    }

    private bool Open(bool forWrite)
    {
        if (!Exists && !forWrite) return false;
        if (!Exists)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(PartPath)!);
            IsFinal = false;
        }
        try
        {
            _handle = File.OpenHandle(CurrentPath, forWrite ? FileMode.OpenOrCreate : FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            _writable = true;
        }
        catch (UnauthorizedAccessException) when (!forWrite)
        {
            // Seeding from a read-only location is fine.
            _handle = File.OpenHandle(CurrentPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            _writable = false;
        }
        catch (IOException e) when (!forWrite && e is FileNotFoundException or DirectoryNotFoundException)
        {
            Exists = false;
            return false;
        }
        Exists = true;
        // Sparse preallocation: the file gets its full length without writing zeros.
        if (_writable && !IsComplete && RandomAccess.GetLength(_handle) < Length) RandomAccess.SetLength(_handle, Length);
        return true;
    }

    private SafeFileHandle OpenForFinish()
    {
        if (!Exists) Directory.CreateDirectory(Path.GetDirectoryName(PartPath)!);
        Exists = true;
        return File.OpenHandle(CurrentPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
    }

    private long SizeOnDisk()
    {
        var info = new FileInfo(CurrentPath);
        return info.Exists ? info.Length : -1;
    }

    private void Release(bool wrote)
    {
        // Stale again once the write is done, so the next stamp sees its mtime.
        if (wrote) Volatile.Write(ref _stampStale, 1);
        Interlocked.Decrement(ref _inUse);
    }

    /// <summary>Use of the handle by one I/O operation; disposing it lets the handle be closed again.</summary>
    public readonly struct Lease(StorageFile? file, SafeFileHandle? handle, bool forWrite) : IDisposable
    {
        public SafeFileHandle? Handle { get; } = handle;

        public void Dispose() => file?.Release(forWrite);
    }
}
