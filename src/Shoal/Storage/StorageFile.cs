using Microsoft.Win32.SafeHandles;
using Shoal.Metainfo;

namespace Shoal.Storage;

/// <summary>
/// One real (non-padding) file of a torrent on disk: which name it currently has (<c>name.part</c> while incomplete,
/// the final name once every piece overlapping it verified) and a lazily opened handle for positional I/O.
/// Every open and rename goes through the <see cref="ConfinedFolder"/>, so no link is ever followed out of the download
/// folder; once open, I/O uses the handle, whatever happens to the name.
/// The handle is only closed when no I/O is using it (<see cref="Lease"/>); renames keep it open.
/// </summary>
internal sealed class StorageFile
{
    private readonly Lock _lock = new();
    private readonly OpenFileLimiter _limiter;
    private readonly ConfinedFolder _folder;
    private readonly string[] _final;
    private readonly string[] _part;
    private SafeFileHandle? _handle;
    private bool _writable;
    private int _inUse;
    private long _lastUse;
    private int _stampStale;
    private int _unsynced;
    private FileStamp _stamp = FileStamp.Missing;

    public StorageFile(int index, FileEntry entry, ConfinedFolder folder, string[] finalPath, OpenFileLimiter limiter)
    {
        Index = index;
        Length = entry.Length;
        _folder = folder;
        _final = finalPath;
        _part = StoragePaths.PartPath(finalPath);
        FinalPath = folder.FullPath(_final);
        PartPath = folder.FullPath(_part);
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

    /// <summary><see cref="CurrentPath"/> made safe for messages (it holds the torrent's names).</summary>
    public string Shown => PrintableText.Of(CurrentPath);

    public long LastUse => Volatile.Read(ref _lastUse);

    public bool IsOpen => Volatile.Read(ref _handle) is not null;

    /// <summary>
    /// Finds the file under its final name (preferred: existing data being seeded) or its partial name. A link at either
    /// name, or a folder or device where the file should be, is an error naming it.
    /// </summary>
    public FileStamp Discover()
    {
        lock (_lock)
        {
            var final = Check(_folder.Inspect(_final), _final);
            var part = Check(_folder.Inspect(_part), _part);
            var found = final.Kind == EntryKind.File ? final : part.Kind == EntryKind.File ? part : FolderEntry.Missing;
            Exists = found.Kind == EntryKind.File;
            IsFinal = final.Kind == EntryKind.File;
            // What the recheck reads is what this stamp describes: a change made while it runs shows as a mismatch next time.
            _stamp = found.Stamp;
            return _stamp;
        }
    }

    private FolderEntry Check(FolderEntry entry, string[] path) => entry.Kind switch
    {
        EntryKind.Link => throw SymbolicLinkException.InPlaceOfFile(_folder.FullPath(path), new FileInfo(_folder.FullPath(path)).LinkTarget),
        EntryKind.Folder => throw new IOException($"{PrintableText.Of(_folder.FullPath(path))} is a folder, but the torrent has a file there"),
        EntryKind.Other => throw new IOException($"{PrintableText.Of(_folder.FullPath(path))} is not a regular file (a device, pipe or socket), but the torrent has a file there"),
        _ => entry,
    };

    /// <summary>
    /// Size, mtime, ctime and inode for the resume record. Re-read only after our own writes and renames: for a file we did
    /// not touch, the stamp taken before the recheck read it is what the record vouches for, and a change by someone else
    /// then shows as a mismatch.
    /// </summary>
    public FileStamp Stamp()
    {
        if (Interlocked.Exchange(ref _stampStale, 0) == 0) return _stamp;
        try
        {
            lock (_lock)
            {
                if (_handle is not null) return _stamp = _folder.Stamp(_handle);
                var entry = _folder.Inspect(IsFinal ? _final : _part);
                return _stamp = entry.Kind == EntryKind.File ? entry.Stamp : FileStamp.Missing;
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
                _folder.Rename(_final, _part);
                IsFinal = false;
                Volatile.Write(ref _stampStale, 1);
            }
            opened = _handle is null;
            if (_handle is null)
            {
                if (!Open(forWrite)) return default;
                _limiter.Add(this);
            }
            if (forWrite && !_writable) throw new IOException($"cannot write to {Shown}: it could only be opened read-only");
            Interlocked.Increment(ref _inUse);
            Volatile.Write(ref _lastUse, Environment.TickCount64);
            if (forWrite) Volatile.Write(ref _stampStale, 1);
            handle = _handle!;
        }
        if (opened) _limiter.TrimExcess(this);
        return new Lease(this, handle, forWrite);
    }

    /// <summary>
    /// Renames the completed file to its final name, with exactly the torrent's length. With <paramref name="sync"/>, its
    /// data is fsynced before the rename and the rename made durable after, so a crash never leaves a final name over lost writes.
    /// </summary>
    public void Complete(bool sync)
    {
        lock (_lock)
        {
            if (IsComplete) return;
            // Only a rename needs the data durable first; a file already under its final name was never renamed by us now.
            sync &= !IsFinal;
            if (!IsFinal || !Exists || SizeOnDisk() != Length)
            {
                using var opened = _handle is null ? OpenForFinish() : null;
                var handle = _handle ?? opened!;
                if (RandomAccess.GetLength(handle) != Length) RandomAccess.SetLength(handle, Length);
                if (sync) RandomAccess.FlushToDisk(handle);
            }
            if (!IsFinal)
            {
                _folder.Rename(_part, _final);
                if (sync) _folder.SyncFolderOf(_final);
            }
            Volatile.Write(ref _unsynced, 0);
            Volatile.Write(ref _stampStale, 1);
            IsFinal = true;
            IsComplete = true;
        }
    }

    /// <summary>A piece of this complete file turned out bad: it is incomplete again (renamed to <c>.part</c> when next written).</summary>
    public void Reopen()
    {
        lock (_lock) IsComplete = false;
    }

    /// <summary>
    /// fsync, if anything was written since the last one (through a short-lived handle if ours was closed meanwhile).
    /// The file's lock is not held during the system call.
    /// </summary>
    public void Sync()
    {
        SafeFileHandle handle;
        bool borrowed;
        lock (_lock)
        {
            if (Interlocked.Exchange(ref _unsynced, 0) == 0) return;
            borrowed = _handle is null;
            if (borrowed)
            {
                if (_folder.Open(IsFinal ? _final : _part, OpenMode.Existing) is not { } opened) return;
                handle = opened.Handle;
            }
            else
            {
                Interlocked.Increment(ref _inUse);
                handle = _handle!;
            }
        }
        try
        {
            RandomAccess.FlushToDisk(handle);
        }
        catch
        {
            Volatile.Write(ref _unsynced, 1);
            throw;
        }
        finally
        {
            if (borrowed) handle.Dispose();
            else Interlocked.Decrement(ref _inUse);
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
        if (!Exists) IsFinal = false;
        var opened = _folder.Open(IsFinal ? _final : _part, forWrite && !Exists ? OpenMode.OpenOrCreate : OpenMode.Existing);
        if (opened is not { } file)
        {
            Exists = false;
            if (!forWrite) return false;
            file = _folder.Open(_part, OpenMode.OpenOrCreate)!.Value;
            IsFinal = false;
        }
        _handle = file.Handle;
        _writable = file.Writable;
        Exists = true;
        // Sparse preallocation: the file gets its full length without writing zeros.
        if (_writable && !IsComplete && RandomAccess.GetLength(_handle) < Length) RandomAccess.SetLength(_handle, Length);
        return true;
    }

    private SafeFileHandle OpenForFinish()
    {
        var opened = _folder.Open(IsFinal ? _final : _part, OpenMode.OpenOrCreate)!.Value;
        Exists = true;
        return opened.Handle;
    }

    private long SizeOnDisk()
    {
        var entry = _folder.Inspect(IsFinal ? _final : _part);
        return entry.Kind == EntryKind.File ? entry.Stamp.Size : -1;
    }

    private void Release(bool wrote)
    {
        if (wrote)
        {
            // Stale again once the write is done, so the next stamp sees its mtime; and due for an fsync.
            Volatile.Write(ref _stampStale, 1);
            Volatile.Write(ref _unsynced, 1);
        }
        Interlocked.Decrement(ref _inUse);
    }

    /// <summary>Use of the handle by one I/O operation; disposing it lets the handle be closed again.</summary>
    public readonly struct Lease(StorageFile? file, SafeFileHandle? handle, bool forWrite) : IDisposable
    {
        public SafeFileHandle? Handle { get; } = handle;

        public void Dispose() => file?.Release(forWrite);
    }
}
