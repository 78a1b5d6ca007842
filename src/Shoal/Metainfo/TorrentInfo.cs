using System.Buffers;
using Shoal.Bencoding;

namespace Shoal.Metainfo;

/// <summary>
/// The info dictionary of a torrent: what is shared (name, files, piece hashes) and its identity (<see cref="InfoHashes"/>,
/// hashes of <see cref="RawInfo"/>, the dictionary's bytes as found in the file). A v1 torrent (BEP 3) lists SHA-1 piece
/// hashes; a v2 torrent (BEP 52) a 'file tree' whose files each carry a SHA-256 merkle root and start on a piece
/// boundary; a hybrid carries both descriptions of the same data (its v1 file list aligned with BEP 47 padding files).
/// </summary>
public sealed partial class TorrentInfo
{
    public const int HashLength = 20;

    internal TorrentInfo(string name, int pieceLength, ReadOnlyMemory<byte> pieceHashes, IReadOnlyList<FileEntry> files,
        bool isMultiFile, bool isPrivate, ReadOnlyMemory<byte> rawInfo, bool hasV1 = true, bool hasV2 = false)
    {
        Name = name;
        PieceLength = pieceLength;
        PieceHashes = pieceHashes;
        Files = files;
        IsMultiFile = isMultiFile;
        IsPrivate = isPrivate;
        RawInfo = rawInfo;
        InfoHashes = new InfoHashes(hasV1 ? InfoHash.Compute(rawInfo.Span) : null, hasV2 ? InfoHashV2.Compute(rawInfo.Span) : null);
        InfoHash = InfoHashes.Primary;
        TotalLength = files.Count == 0 ? 0 : files[^1].EndOffset;
        PieceCount = hasV1 ? pieceHashes.Length / HashLength : (int)((TotalLength + pieceLength - 1) / pieceLength);
    }

    /// <summary>The suggested name: the file name (single-file) or the root folder name (multi-file).</summary>
    public string Name { get; }

    /// <summary>Bytes per piece (a power of two ≥ 16 KiB); the last piece may be shorter.</summary>
    public int PieceLength { get; }

    public int PieceCount { get; }

    /// <summary>Concatenated 20-byte SHA-1 hashes, one per piece (empty for a v2-only torrent).</summary>
    public ReadOnlyMemory<byte> PieceHashes { get; }

    /// <summary>Every file in stream order, padding files included.</summary>
    public IReadOnlyList<FileEntry> Files { get; }

    /// <summary>True when the info dictionary has a 'files' list (the data lives under a folder named <see cref="Name"/>).</summary>
    public bool IsMultiFile { get; }

    /// <summary>BEP 27: peers come only from the torrent's trackers (no DHT, PEX or LSD).</summary>
    public bool IsPrivate { get; }

    /// <summary>The bencoded info dictionary exactly as found in (or written to) the .torrent file.</summary>
    public ReadOnlyMemory<byte> RawInfo { get; }

    /// <summary>The v1 hash, the v2 hash, or both (hybrid).</summary>
    public InfoHashes InfoHashes { get; }

    /// <summary>
    /// The 20-byte hash this torrent is known by on the wire when one must be chosen: the v1 info-hash, or for a
    /// v2-only torrent its truncated v2 info-hash (<see cref="InfoHashes.Primary"/>).
    /// </summary>
    public InfoHash InfoHash { get; }

    /// <summary>True when the torrent has a v1 description: SHA-1 piece hashes (a v1 or hybrid torrent).</summary>
    public bool HasV1 => InfoHashes.HasV1;

    /// <summary>True when the torrent has a v2 description: a file tree with merkle roots (a v2 or hybrid torrent).</summary>
    public bool HasV2 => InfoHashes.HasV2;

    /// <summary>Both descriptions of the same data: one torrent in two swarms.</summary>
    public bool IsHybrid => InfoHashes.IsHybrid;

    public long TotalLength { get; }

    /// <summary>The SHA-1 of piece <paramref name="index"/>; a v2-only torrent has none (its pieces are checked by merkle roots).</summary>
    public ReadOnlySpan<byte> PieceHash(int index) => HasV1
        ? PieceHashes.Span.Slice(index * HashLength, HashLength)
        : throw new InvalidOperationException("a v2-only torrent has no SHA-1 piece hashes");

    /// <summary>Size of a piece: <see cref="PieceLength"/> except for a shorter last piece.</summary>
    public int PieceSize(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, PieceCount);
        return index < PieceCount - 1 ? PieceLength : (int)(TotalLength - (long)index * PieceLength);
    }

    /// <summary>
    /// Builds an info dictionary from parts (canonical encoding); used by TorrentBuilder and tests.
    /// <paramref name="files"/> for a single-file torrent is one entry whose only segment equals <paramref name="name"/>.
    /// </summary>
    public static TorrentInfo Create(string name, int pieceLength, ReadOnlyMemory<byte> pieceHashes,
        IReadOnlyList<(IReadOnlyList<string> Path, long Length, bool IsPadding)> files, bool multiFile, bool isPrivate = false)
    {
        var info = new BDictionary();
        info.Add("name", name);
        info.Add("piece length", pieceLength);
        info.Add("pieces", new BString(pieceHashes));
        if (isPrivate) info.Add("private", 1);
        if (multiFile)
        {
            var list = new BList();
            foreach (var (path, length, isPadding) in files)
            {
                var entry = new BDictionary();
                if (isPadding) entry.Add("attr", "p");
                entry.Add("length", length);
                entry.Add("path", new BList(path.Select(s => (BValue)new BString(s))));
                list.Add(entry);
            }
            info.Add("files", list);
        }
        else
        {
            if (files.Count != 1) throw new ArgumentException("a single-file torrent has exactly one file", nameof(files));
            info.Add("length", files[0].Length);
        }
        return Parse(info.Encode());
    }
}
