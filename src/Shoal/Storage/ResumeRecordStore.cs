using Shoal.Metainfo;

namespace Shoal.Storage;

/// <summary>
/// Reads and writes one torrent's resume record, through a <see cref="ConfinedFolder"/> (a link in its place is refused).
/// Writes are atomic and durable (temporary file, fsync, rename, fsync of the folder) and happen at most once per interval
/// while the state is dirty, plus whenever asked (completion, flush, dispose); the snapshot fsyncs the data files first.
/// The timer is armed only by a change: an idle torrent (a seed nobody downloads from) costs no wake-ups.
/// A failed save never fails the download: the record is a hint, the hashes are the truth.
/// </summary>
internal sealed class ResumeRecordStore : IAsyncDisposable
{
    private readonly ConfinedFolder _folder;
    private readonly string[] _path;
    private readonly Func<ResumeRecord> _snapshot;
    private readonly SemaphoreSlim _saving = new(1, 1);
    private readonly ITimer _timer;
    private readonly TimeSpan _interval;
    private int _dirty;
    private bool _disposed;

    public ResumeRecordStore(ConfinedFolder folder, string[] path, Func<ResumeRecord> snapshot, TimeProvider time, TimeSpan interval)
    {
        _folder = folder;
        _path = path;
        _snapshot = snapshot;
        _interval = interval;
        _timer = time.CreateTimer(static state => ((ResumeRecordStore)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public string Path => _folder.FullPath(_path);

    /// <summary>The last save error, if the last save failed (e.g. a read-only download directory).</summary>
    public Exception? LastError { get; private set; }

    /// <summary>
    /// The record at <paramref name="path"/> if it is intact and belongs to <paramref name="info"/>; else null. A link in
    /// its place (or a folder link out of <paramref name="folder"/> on the way) is a <see cref="SymbolicLinkException"/>.
    /// </summary>
    public static ResumeRecord? TryLoad(ConfinedFolder folder, string[] path, TorrentInfo info)
    {
        try
        {
            var entry = folder.Inspect(path);
            if (entry.Kind == EntryKind.Link) throw SymbolicLinkException.InPlaceOfFile(folder.FullPath(path), new FileInfo(folder.FullPath(path)).LinkTarget);
            if (entry.Kind != EntryKind.File || entry.Stamp.Size > ResumeRecord.MaxLength(info)) return null;
            if (folder.Open(path, OpenMode.Existing) is not { } file) return null;
            using var handle = file.Handle;
            var bytes = new byte[RandomAccess.GetLength(handle)];
            if (bytes.Length > ResumeRecord.MaxLength(info)) return null;
            int done = 0;
            while (done < bytes.Length)
            {
                int n = RandomAccess.Read(handle, bytes.AsSpan(done), done);
                if (n == 0) return null;
                done += n;
            }
            return ResumeRecord.TryParse(bytes, info);
        }
        catch (IOException ex) when (ex is not SymbolicLinkException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The state changed: it is saved within the interval (the first change since the last save arms the timer).</summary>
    public void MarkDirty()
    {
        if (Interlocked.Exchange(ref _dirty, 1) == 0) Arm();
    }

    private void Arm()
    {
        try { _timer.Change(_interval, Timeout.InfiniteTimeSpan); }
        catch (ObjectDisposedException) { /* disposing: the final save happens there */ }
    }

    /// <summary>Writes the current state now (waits for a save already running).</summary>
    public async Task SaveAsync(CancellationToken ct)
    {
        await _saving.WaitAsync(ct);
        try
        {
            if (_disposed) return;
            SaveCore();
        }
        finally
        {
            _saving.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _timer.DisposeAsync();
        await _saving.WaitAsync();
        try
        {
            if (!_disposed && Volatile.Read(ref _dirty) != 0) SaveCore();
            _disposed = true;
        }
        finally
        {
            _saving.Release();
        }
    }

    private void OnTimer()
    {
        if (Volatile.Read(ref _dirty) == 0) return;
        if (!_saving.Wait(0))
        {
            Arm(); // a save is running: this change may have come after its snapshot
            return;
        }
        try
        {
            if (!_disposed) SaveCore();
        }
        finally
        {
            _saving.Release();
        }
    }

    private void SaveCore()
    {
        // Clear first: a piece verified during the save marks the state dirty again for the next one.
        Volatile.Write(ref _dirty, 0);
        try
        {
            var bytes = _snapshot().Serialize();
            string[] temp = [.. _path[..^1], _path[^1] + ".tmp"];
            _folder.Delete(temp);
            using (var handle = _folder.Open(temp, OpenMode.CreateNew)!.Value.Handle)
            {
                RandomAccess.Write(handle, bytes, 0);
                RandomAccess.FlushToDisk(handle);
            }
            _folder.Rename(temp, _path);
            _folder.SyncFolderOf(_path);
            LastError = null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LastError = ex;
            MarkDirty();
        }
    }
}
