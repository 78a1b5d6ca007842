using Shoal.Metainfo;

namespace Shoal.Storage;

/// <summary>
/// Pieces held in memory (one array per piece, allocated on first write): for tests, benchmarks and the demo.
/// Unwritten pieces read as zeros.
/// </summary>
public sealed class MemoryStorage : IPieceStorage
{
    private readonly byte[]?[] _pieces;
    private readonly Lock _stateLock = new();

    public MemoryStorage(TorrentInfo info)
    {
        Info = info;
        _pieces = new byte[]?[info.PieceCount];
        Verified = new Bitfield(info.PieceCount);
    }

    /// <summary>A complete copy of <paramref name="data"/> (the torrent's whole byte stream, padding included), every piece checked.</summary>
    public static MemoryStorage CreateSeeded(TorrentInfo info, ReadOnlySpan<byte> data)
    {
        if (data.Length != info.TotalLength) throw new ArgumentException($"the torrent holds {info.TotalLength} bytes, got {data.Length}", nameof(data));
        var storage = new MemoryStorage(info);
        for (int piece = 0; piece < info.PieceCount; piece++)
        {
            var bytes = data.Slice(piece * info.PieceLength, info.PieceSize(piece));
            if (!PieceHasher.Verify(info, piece, bytes)) throw new ArgumentException($"piece {piece} of the data does not match the torrent", nameof(data));
            storage._pieces[piece] = bytes.ToArray();
        }
        storage.Verified.SetAll();
        return storage;
    }

    public TorrentInfo Info { get; }

    public Bitfield Verified { get; }

    public ValueTask WritePieceAsync(int piece, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        int size = Info.PieceSize(piece);
        if (data.Length != size) throw new ArgumentException($"piece {piece} is {size} bytes, got {data.Length}", nameof(data));
        var copy = new byte[size];
        data.Span.CopyTo(copy);
        Volatile.Write(ref _pieces[piece], copy);
        return ValueTask.CompletedTask;
    }

    public ValueTask ReadAsync(int piece, int offset, Memory<byte> destination, CancellationToken ct)
    {
        int size = Info.PieceSize(piece);
        if (offset < 0 || (long)offset + destination.Length > size)
            throw new ArgumentOutOfRangeException(nameof(offset), $"range {offset}+{destination.Length} lies outside piece {piece} of {size} bytes");
        var bytes = Volatile.Read(ref _pieces[piece]);
        if (bytes is null) destination.Span.Clear();
        else bytes.AsSpan(offset, destination.Length).CopyTo(destination.Span);
        return ValueTask.CompletedTask;
    }

    public ValueTask MarkVerifiedAsync(int piece, CancellationToken ct)
    {
        lock (_stateLock) Verified[piece] = true;
        return ValueTask.CompletedTask;
    }

    public ValueTask FlushAsync(CancellationToken ct) => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
