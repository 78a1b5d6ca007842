using System.Buffers;

namespace Shoal.Storage;

public sealed partial class FileStorage
{
    // Pieces hashed correct in this run: rechecked on open, verified by the engine before it wrote them, or hashed
    // before their first upload. Always a subset of _verified (a dropped piece loses both bits).
    private readonly Bitfield _hashed;
    private readonly Dictionary<int, Task<bool>> _vouching = [];
    private readonly SemaphoreSlim _vouchSlots;

    /// <summary>
    /// Raised (on a worker thread, no lock held) when a piece that was in <see cref="Verified"/> turned out not to match
    /// its hash when it was about to be uploaded: it is no longer verified, and must not be served until it is fetched
    /// and written again.
    /// </summary>
    public event Action<int>? PieceInvalidated;

    private async ValueTask VouchThenReadAsync(int piece, int offset, Memory<byte> destination, CancellationToken ct)
    {
        if (!await VouchAsync(piece, ct).ConfigureAwait(false))
            throw new PieceUnavailableException(piece, $"piece {piece} is not on disk as the torrent describes it, so it is not served");
        await ReadAsync(piece, offset, destination, ct).ConfigureAwait(false);
    }

    /// <summary>True once the piece is hashed correct in this run (hashing it now if needed, once for all readers); false if not verified.</summary>
    private Task<bool> VouchAsync(int piece, CancellationToken ct)
    {
        Task<bool>? task;
        lock (_stateLock)
        {
            if (!_verified[piece]) return Task.FromResult(false);
            if (_hashed[piece]) return Task.FromResult(true);
            if (!_vouching.TryGetValue(piece, out task))
            {
                task = Task.Run(() => HashBeforeUploadAsync(piece), CancellationToken.None);
                _vouching[piece] = task;
            }
        }
        return task.WaitAsync(ct);
    }

    private async Task<bool> HashBeforeUploadAsync(int piece)
    {
        int size = Layout.PieceSize(piece);
        bool? good = null; // null: not checked (the storage closed meanwhile), so not dropped either
        await _vouchSlots.WaitAsync().ConfigureAwait(false);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            var data = buffer.AsSpan(0, size);
            if (Volatile.Read(ref _disposed) == 0) good = ReadWholePiece(piece, data) && PieceHasher.Verify(Info, piece, data);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Unreadable now: as good as changed. The download of it again will say what is wrong with the file.
            good = false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            _vouchSlots.Release();
        }
        lock (_stateLock)
        {
            _vouching.Remove(piece);
            if (good is null) return false;
            if (good.Value)
            {
                if (_verified[piece]) _hashed[piece] = true;
                return _verified[piece];
            }
            if (!_verified[piece]) return false;
            Drop(piece);
        }
        _cache?.Invalidate(piece);
        _resume?.MarkDirty();
        PieceInvalidated?.Invoke(piece);
        return false;
    }

    /// <summary>Under the state lock: the piece is missing again, and so the files it touches are incomplete.</summary>
    private void Drop(int piece)
    {
        _verified[piece] = false;
        _hashed[piece] = false;
        foreach (var slice in Layout.MapPiece(piece, 0, Layout.PieceSize(piece)))
        {
            if (_files[slice.FileIndex] is { } file && file.PiecesMissing++ == 0) file.Reopen();
        }
    }
}
