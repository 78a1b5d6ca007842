using Shoal.Metainfo;

namespace Shoal.Storage;

/// <summary>
/// Where a torrent's pieces live. The engine verifies each piece before writing it, then calls
/// <see cref="MarkVerifiedAsync"/>; <see cref="Verified"/> is the single source of truth for what we have.
/// <see cref="WritePieceAsync"/> and <see cref="ReadAsync"/> may run concurrently on different pieces.
/// </summary>
public interface IPieceStorage : IAsyncDisposable
{
    TorrentInfo Info { get; }

    /// <summary>Writes one whole piece whose SHA-1 the caller has already verified.</summary>
    ValueTask WritePieceAsync(int piece, ReadOnlyMemory<byte> data, CancellationToken ct);

    /// <summary>
    /// Reads <c>destination.Length</c> bytes at <paramref name="offset"/> within <paramref name="piece"/> for upload.
    /// A storage may refuse a piece it cannot vouch for (not verified, or found changed when hashed before its first
    /// upload) with <see cref="PieceUnavailableException"/>; it then raises <see cref="PieceInvalidated"/> if the piece
    /// was verified until then.
    /// </summary>
    ValueTask ReadAsync(int piece, int offset, Memory<byte> destination, CancellationToken ct);

    /// <summary>
    /// A piece in <see cref="Verified"/> turned out bad (its file changed behind our back) and is no longer verified: stop
    /// serving it and fetch it again. Raised on a worker thread. Storages that cannot lose pieces never raise it.
    /// </summary>
    event Action<int>? PieceInvalidated
    {
        add { }
        remove { }
    }

    /// <summary>Records that <paramref name="piece"/> was written and verified; may finalise files and save resume state.</summary>
    ValueTask MarkVerifiedAsync(int piece, CancellationToken ct);

    /// <summary>Pieces verified so far. Mutated only by the storage; treat as read-only.</summary>
    Bitfield Verified { get; }

    /// <summary>Makes written data and the resume state durable.</summary>
    ValueTask FlushAsync(CancellationToken ct);
}
