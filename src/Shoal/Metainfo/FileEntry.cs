namespace Shoal.Metainfo;

/// <summary>
/// One file of a torrent, with its place in the torrent's contiguous byte stream.
/// <see cref="PathSegments"/> are already sanitised (see <see cref="TorrentInfo"/>); padding files
/// (BEP 47) occupy stream space but are never written to disk.
/// </summary>
public sealed class FileEntry
{
    public FileEntry(IReadOnlyList<string> pathSegments, long length, long offset, bool isPadding = false,
        ReadOnlyMemory<byte> piecesRoot = default)
    {
        if (!piecesRoot.IsEmpty && piecesRoot.Length != Merkle.HashSize)
            throw new ArgumentException($"a pieces root is {Merkle.HashSize} bytes, not {piecesRoot.Length}", nameof(piecesRoot));
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (pathSegments.Count == 0) throw new ArgumentException("a file needs a path", nameof(pathSegments));
        PathSegments = pathSegments;
        Length = length;
        Offset = offset;
        IsPadding = isPadding;
        PiecesRoot = piecesRoot;
    }

    /// <summary>Path components relative to the torrent's root folder (for a single-file torrent: just the name).</summary>
    public IReadOnlyList<string> PathSegments { get; }

    /// <summary>The relative path joined with '/'.</summary>
    public string Path => string.Join('/', PathSegments);

    public long Length { get; }

    /// <summary>Byte offset of the file's first byte in the torrent's concatenated data.</summary>
    public long Offset { get; }

    /// <summary>A BEP 47 padding file: zeros that align the next file to a piece boundary.</summary>
    public bool IsPadding { get; }

    public long EndOffset => Offset + Length;

    /// <summary>
    /// BEP 52: the root of the file's SHA-256 merkle tree (32 bytes), for every non-empty file of a v2 or hybrid
    /// torrent; empty otherwise.
    /// </summary>
    public ReadOnlyMemory<byte> PiecesRoot { get; }

    public override string ToString() => $"{Path} ({Length} bytes at {Offset})";
}
