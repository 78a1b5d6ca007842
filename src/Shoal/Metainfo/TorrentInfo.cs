using System.Buffers;
using Shoal.Bencoding;

namespace Shoal.Metainfo;

/// <summary>
/// The info dictionary of a v1 torrent: what is shared (name, files, piece hashes) and its identity
/// (<see cref="InfoHash"/>, the SHA-1 of <see cref="RawInfo"/>, the dictionary's bytes as found in the file).
/// </summary>
public sealed partial class TorrentInfo
{
    public const int HashLength = 20;

    internal TorrentInfo(string name, int pieceLength, ReadOnlyMemory<byte> pieceHashes, IReadOnlyList<FileEntry> files,
        bool isMultiFile, bool isPrivate, ReadOnlyMemory<byte> rawInfo)
    {
        Name = name;
        PieceLength = pieceLength;
        PieceHashes = pieceHashes;
        Files = files;
        IsMultiFile = isMultiFile;
        IsPrivate = isPrivate;
        RawInfo = rawInfo;
        InfoHash = InfoHash.Compute(rawInfo.Span);
        TotalLength = files.Count == 0 ? 0 : files[^1].EndOffset;
        PieceCount = pieceHashes.Length / HashLength;
    }

    /// <summary>The suggested name: the file name (single-file) or the root folder name (multi-file).</summary>
    public string Name { get; }

    /// <summary>Bytes per piece (a power of two ≥ 16 KiB); the last piece may be shorter.</summary>
    public int PieceLength { get; }

    public int PieceCount { get; }

    /// <summary>Concatenated 20-byte SHA-1 hashes, one per piece.</summary>
    public ReadOnlyMemory<byte> PieceHashes { get; }

    /// <summary>Every file in stream order, padding files included.</summary>
    public IReadOnlyList<FileEntry> Files { get; }

    /// <summary>True when the info dictionary has a 'files' list (the data lives under a folder named <see cref="Name"/>).</summary>
    public bool IsMultiFile { get; }

    /// <summary>BEP 27: peers come only from the torrent's trackers (no DHT, PEX or LSD).</summary>
    public bool IsPrivate { get; }

    /// <summary>The bencoded info dictionary exactly as found in (or written to) the .torrent file.</summary>
    public ReadOnlyMemory<byte> RawInfo { get; }

    public InfoHash InfoHash { get; }

    public long TotalLength { get; }

    public ReadOnlySpan<byte> PieceHash(int index) => PieceHashes.Span.Slice(index * HashLength, HashLength);

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
