using System.Buffers;
using System.Runtime.CompilerServices;

namespace Shoal.Storage;

public sealed partial class FileStorage
{
    // A parked file is one the user skipped before it existed on disk: its bytes (only ever those in pieces it shares with
    // wanted files) go to the part file, so it is never created. Flags are read without a lock; changed under _parkGate.
    private readonly bool[] _parked;
    private readonly Bitfield _parkedPieces;   // pieces with bytes in the part file (under _parkGate)
    private readonly PartFile _partFile;
    private readonly SemaphoreSlim _parkGate = new(1, 1);

    /// <summary>Whether file <paramref name="fileIndex"/> is kept off the disk (skipped before it was created).</summary>
    public bool IsParked(int fileIndex) => Volatile.Read(ref _parked[fileIndex]);

    /// <summary>Where the part file of a torrent downloaded to <paramref name="downloadDirectory"/> is (whether or not it exists).</summary>
    public static string PartFileLocation(Metainfo.InfoHash infoHash, string downloadDirectory) =>
        Path.Join([Path.GetFullPath(downloadDirectory), .. StoragePaths.PartFilePath(infoHash)]);

    /// <summary>The part file's full path (it exists only while a skipped file shares a verified piece with a wanted one).</summary>
    public string PartFilePath => _partFile.FullPath;

    /// <summary>
    /// Which files the user skipped (one flag per file). A skipped file that is not on disk yet is never created: its bytes
    /// in pieces shared with wanted files go to the part file. A file wanted again gets those bytes back (and is created);
    /// a skipped file already on disk keeps receiving its share of shared pieces.
    /// </summary>
    public async ValueTask SetSkippedFilesAsync(IReadOnlyList<bool> skipped, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(skipped);
        if (skipped.Count != _files.Length) throw new ArgumentException($"{skipped.Count} flags for a torrent of {_files.Length} files", nameof(skipped));
        ThrowIfDisposed();
        await _parkGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            for (int i = 0; i < _files.Length; i++)
            {
                if (_files[i] is not { } file) continue;
                if (skipped[i] && !_parked[i] && !file.Exists) Volatile.Write(ref _parked[i], true);
                else if (!skipped[i] && _parked[i]) await UnparkAsync(file, ct).ConfigureAwait(false);
            }
        }
        finally
        {
            _parkGate.Release();
        }
    }

    /// <summary>At open, before the recheck: a missing file may have its shared bytes in an existing part file.</summary>
    private void ParkMissingFiles(IReadOnlyList<bool>? skipped)
    {
        bool partFileExists = _partFile.Exists;
        for (int i = 0; i < _files.Length; i++)
        {
            if (_files[i] is { Exists: false }) _parked[i] = partFileExists || (skipped is not null && i < skipped.Count && skipped[i]);
        }
    }

    /// <summary>After the recheck: what verified from the part file is in it; then the selection the caller gave applies.</summary>
    private async Task SettleParkingAsync(IReadOnlyList<bool>? skipped, CancellationToken ct)
    {
        for (int i = 0; i < _files.Length; i++)
        {
            if (!_parked[i]) continue;
            var (first, last) = Layout.PieceRange(i);
            for (int p = first; p <= last; p++)
            {
                if (_verified[p]) _parkedPieces[p] = true;
            }
        }
        await SetSkippedFilesAsync(skipped ?? new bool[_files.Length], ct).ConfigureAwait(false);
        if (!Array.Exists(_parked, p => p) && _partFile.Exists) _partFile.Close(delete: true);
    }

    /// <summary>Under the gate: copies the file's bytes from the part file into it (creating it), then writes go to it.</summary>
    private async ValueTask UnparkAsync(StorageFile file, CancellationToken ct)
    {
        var (first, last) = Layout.PieceRange(file.Index);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Info.PieceLength);
        try
        {
            for (int piece = first; piece <= last; piece++)
            {
                if (!_parkedPieces[piece]) continue;
                foreach (var slice in Layout.MapPiece(piece, 0, Layout.PieceSize(piece)))
                {
                    if (slice.FileIndex != file.Index) continue;
                    var part = buffer.AsMemory(0, slice.Length);
                    await _partFile.ReadAsync(piece, slice.BufferOffset, part, ct).ConfigureAwait(false);
                    using var lease = file.Acquire(forWrite: true);
                    await RandomAccess.WriteAsync(lease.Handle!, part, slice.FileOffset, ct).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        Volatile.Write(ref _parked[file.Index], false);
        bool complete;
        lock (_stateLock) complete = file.PiecesMissing == 0;
        if (complete) file.Complete(_options.FlushBeforeFinalRename);
    }

    /// <summary>Writes to a file that is parked or not created yet take the gate, so a file is never parked as it is created.</summary>
    private bool TouchesUncreatedFile(int piece, int length)
    {
        foreach (var slice in Layout.MapPiece(piece, 0, length))
        {
            if (_files[slice.FileIndex] is { } file && (!file.Exists || IsParked(slice.FileIndex))) return true;
        }
        return false;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteGatedAsync(int piece, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        await _parkGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            foreach (var slice in Layout.MapPiece(piece, 0, data.Length))
            {
                if (!IsParked(slice.FileIndex)) continue;
                await _partFile.WriteAsync(piece, slice.BufferOffset, data.Slice(slice.BufferOffset, slice.Length), ct).ConfigureAwait(false);
                _parkedPieces[piece] = true;
            }
            await WriteFilesAsync(piece, data, ct).ConfigureAwait(false);
        }
        finally
        {
            _parkGate.Release();
        }
    }
}
