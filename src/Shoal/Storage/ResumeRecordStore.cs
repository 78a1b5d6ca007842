using Shoal.Metainfo;

namespace Shoal.Storage;

/// <summary>
/// Reads and writes one torrent's resume record. Writes are atomic (temporary file, then rename) and happen at most
/// once per interval while the state is dirty, plus whenever asked (completion, flush, dispose). A failed save never
/// fails the download: the record is an optimisation, the recheck is the truth.
/// </summary>
internal sealed class ResumeRecordStore : IAsyncDisposable
{
    private readonly string _path;
    private readonly Func<ResumeRecord> _snapshot;
    private readonly SemaphoreSlim _saving = new(1, 1);
    private readonly ITimer _timer;
    private int _dirty;
    private bool _disposed;

    public ResumeRecordStore(string path, Func<ResumeRecord> snapshot, TimeProvider time, TimeSpan interval)
    {
        _path = path;
        _snapshot = snapshot;
        _timer = time.CreateTimer(static state => ((ResumeRecordStore)state!).OnTimer(), this, interval, interval);
    }

    public string Path => _path;

    /// <summary>The last save error, if the last save failed (e.g. a read-only download directory).</summary>
    public Exception? LastError { get; private set; }

    public static ResumeRecord? TryLoad(string path, TorrentInfo info)
    {
        try
        {
            var file = new FileInfo(path);
            if (!file.Exists || file.Length > ResumeRecord.MaxLength(info)) return null;
            return ResumeRecord.TryParse(File.ReadAllBytes(path), info);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void MarkDirty() => Volatile.Write(ref _dirty, 1);

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
        if (Volatile.Read(ref _dirty) == 0 || !_saving.Wait(0)) return;
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
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(_path)!);
            string temp = _path + ".tmp";
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, _path, overwrite: true);
            LastError = null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LastError = ex;
            MarkDirty();
        }
    }
}
