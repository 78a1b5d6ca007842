using Microsoft.Win32.SafeHandles;
using Shoal.Metainfo;

namespace Shoal.Storage;

/// <summary>
/// Where the bytes of skipped files go when they share a piece with a wanted file (libtorrent's part file): the piece is
/// fetched and verified whole, and the skipped file's share of it lands here instead of creating that file. One sparse
/// file per torrent, <c>.shoal/HASH.parts</c> in the download folder, piece p's bytes at p × piece length, so it needs
/// no index and holds only the few boundary pieces on disk.
/// </summary>
internal sealed class PartFile(ConfinedFolder folder, InfoHash infoHash, int pieceLength)
{
    private readonly Lock _lock = new();
    private readonly string[] _path = StoragePaths.PartFilePath(infoHash);
    private SafeFileHandle? _handle;

    public string FullPath => folder.FullPath(_path);

    /// <summary>Whether the part file is on disk (a link or folder there is not: it is never opened).</summary>
    public bool Exists
    {
        get
        {
            lock (_lock) return _handle is not null || folder.Inspect(_path).Kind == EntryKind.File;
        }
    }

    public ValueTask WriteAsync(int piece, int offsetInPiece, ReadOnlyMemory<byte> data, CancellationToken ct) =>
        RandomAccess.WriteAsync(Handle(create: true)!, data, Position(piece, offsetInPiece), ct);

    /// <summary>Reads for upload or a move: every byte must be there.</summary>
    public async ValueTask ReadAsync(int piece, int offsetInPiece, Memory<byte> destination, CancellationToken ct)
    {
        var handle = Handle(create: false) ?? throw new IOException($"{PrintableText.Of(FullPath)} is missing: piece {piece} cannot be read");
        int done = 0;
        while (done < destination.Length)
        {
            int n = await RandomAccess.ReadAsync(handle, destination[done..], Position(piece, offsetInPiece) + done, ct).ConfigureAwait(false);
            if (n == 0) throw new IOException($"{PrintableText.Of(FullPath)} is shorter than expected: piece {piece} cannot be read");
            done += n;
        }
    }

    /// <summary>Reads for hashing: false when there is no part file; bytes past its end read as zeros (the hash decides).</summary>
    public bool TryRead(int piece, int offsetInPiece, Span<byte> destination)
    {
        if (Handle(create: false) is not { } handle) return false;
        int done = 0;
        while (done < destination.Length)
        {
            int n = RandomAccess.Read(handle, destination[done..], Position(piece, offsetInPiece) + done);
            if (n == 0) break;
            done += n;
        }
        destination[done..].Clear();
        return true;
    }

    /// <summary>Closes it and, with <paramref name="delete"/>, removes it (nothing is parked any more).</summary>
    public void Close(bool delete)
    {
        lock (_lock)
        {
            _handle?.Dispose();
            _handle = null;
            if (delete) folder.Delete(_path);
        }
    }

    private long Position(int piece, int offsetInPiece) => (long)piece * pieceLength + offsetInPiece;

    private SafeFileHandle? Handle(bool create)
    {
        lock (_lock)
        {
            if (_handle is null && folder.Open(_path, create ? OpenMode.OpenOrCreate : OpenMode.Existing) is { } opened) _handle = opened.Handle;
            return _handle;
        }
    }
}
