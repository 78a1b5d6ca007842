namespace Shoal.Storage;

/// <summary>
/// Keeps the number of open file handles of one storage near a limit by closing the least recently used idle ones
/// (a torrent can hold far more files than a process may open). Lock order: a file's lock, then this one.
/// </summary>
internal sealed class OpenFileLimiter(int maxOpen)
{
    private readonly Lock _lock = new();
    private readonly HashSet<StorageFile> _open = [];

    public int OpenCount
    {
        get
        {
            lock (_lock) return _open.Count;
        }
    }

    /// <summary>Called under the file's lock when it opened a handle.</summary>
    public void Add(StorageFile file)
    {
        lock (_lock) _open.Add(file);
    }

    /// <summary>Called under the file's lock when it closed its handle.</summary>
    public void Remove(StorageFile file)
    {
        lock (_lock) _open.Remove(file);
    }

    /// <summary>Closes idle least-recently-used files beyond the limit (never <paramref name="keep"/>). Call without holding a file lock.</summary>
    public void TrimExcess(StorageFile keep)
    {
        StorageFile[] candidates;
        int excess;
        lock (_lock)
        {
            excess = _open.Count - maxOpen;
            if (excess <= 0) return;
            // A few spare candidates, since files in use are skipped.
            candidates = _open.Where(f => f != keep).OrderBy(f => f.LastUse).Take(excess + 4).ToArray();
        }
        foreach (var candidate in candidates)
        {
            if (excess <= 0) break;
            if (candidate.IsOpen && candidate.TryClose()) excess--;
        }
    }
}
