using System.Text;
using Shoal.Bencoding;

namespace Shoal.Metainfo;

public sealed partial class TorrentInfo
{
    /// <summary>Smallest accepted piece length (the block size: smaller pieces cannot be requested sanely).</summary>
    public const int MinPieceLength = 16 * 1024;

    /// <summary>Largest accepted piece length; a piece is held in memory while it downloads.</summary>
    public const int MaxPieceLength = 256 * 1024 * 1024;

    /// <summary>Upper bound on files in one torrent, so a hostile file cannot make us allocate without limit.</summary>
    public const int MaxFiles = 1_000_000;

    /// <summary>Longest accepted file path inside a torrent, in characters ('/'-joined; Linux's PATH_MAX).</summary>
    public const int MaxPathLength = 4096;

    /// <summary>
    /// Parses and validates a bencoded info dictionary (the bytes are kept as-is: the info-hash is their SHA-1).
    /// Throws <see cref="InvalidTorrentException"/> naming the problem.
    /// </summary>
    public static TorrentInfo Parse(ReadOnlyMemory<byte> encodedInfo)
    {
        try
        {
            return ParseCore(encodedInfo);
        }
        catch (BencodeException ex)
        {
            throw new InvalidTorrentException($"invalid info dictionary: {ex.Message}", ex);
        }
    }

    private static TorrentInfo ParseCore(ReadOnlyMemory<byte> encodedInfo)
    {
        CheckMetaVersion(encodedInfo.Span);
        // Deep enough for a v2 file tree (one dictionary per path component); deeper nesting is refused.
        var reader = new BencodeReader(encodedInfo.Span, BencodeReader.MaxDepth);
        if (reader.Peek() != BencodeTokenType.DictionaryStart) throw new InvalidTorrentException("info is not a dictionary");
        reader.ReadDictionaryStart();

        string? name = null, nameUtf8 = null;
        long? pieceLength = null, singleLength = null, metaVersion = null;
        ReadOnlyMemory<byte> pieces = default;
        bool hasPieces = false, isPrivate = false;
        List<RawFile>? rawFiles = null;
        List<FileTreeReader.TreeFile>? tree = null;

        while (!reader.TryReadEnd())
        {
            var key = reader.ReadString();
            if (key.SequenceEqual("name"u8)) name = ReadText(ref reader, "name");
            else if (key.SequenceEqual("name.utf-8"u8)) nameUtf8 = ReadText(ref reader, "name.utf-8");
            else if (key.SequenceEqual("piece length"u8)) pieceLength = ReadInteger(ref reader, "piece length");
            else if (key.SequenceEqual("length"u8)) singleLength = ReadInteger(ref reader, "length");
            else if (key.SequenceEqual("private"u8)) isPrivate = reader.Peek() == BencodeTokenType.Integer ? reader.ReadInteger() == 1 : SkipFalse(ref reader);
            else if (key.SequenceEqual("pieces"u8))
            {
                if (reader.Peek() != BencodeTokenType.String) throw new InvalidTorrentException("'pieces' is not a byte string");
                var span = reader.ReadString();
                // Slice the caller's memory instead of copying: a big torrent's hashes are megabytes.
                pieces = encodedInfo.Slice(reader.Position - span.Length, span.Length);
                hasPieces = true;
            }
            else if (key.SequenceEqual("files"u8)) rawFiles = ReadFiles(ref reader);
            else if (key.SequenceEqual("meta version"u8)) metaVersion = reader.ReadInteger(); // checked by CheckMetaVersion
            else if (key.SequenceEqual("file tree"u8)) tree = FileTreeReader.Read(ref reader, encodedInfo);
            else reader.SkipValue();
        }
        reader.EnsureEnd();

        bool v2 = metaVersion == 2;

        name = nameUtf8 ?? name ?? throw new InvalidTorrentException("info dictionary has no 'name'");
        PathSafety.EnsureSafeSegment(name, name);
        if (pieceLength is null) throw new InvalidTorrentException("info dictionary has no 'piece length'");
        if (pieceLength < MinPieceLength || pieceLength > MaxPieceLength || (pieceLength & (pieceLength - 1)) != 0)
            throw new InvalidTorrentException($"piece length {pieceLength} is not a power of two between {MinPieceLength} and {MaxPieceLength}");
        if (v2 && tree is null) throw new InvalidTorrentException("a meta version 2 info dictionary has no 'file tree'");
        if (!v2 && !hasPieces) throw new InvalidTorrentException("info dictionary has no 'pieces'");
        if (!hasPieces) return CreateV2Only(name, (int)pieceLength.Value, tree!, isPrivate, encodedInfo);

        if (pieces.Length % HashLength != 0) throw new InvalidTorrentException($"'pieces' is {pieces.Length} bytes, not a multiple of {HashLength}");

        List<FileEntry> files;
        bool multiFile;
        if (rawFiles is not null)
        {
            if (singleLength is not null) throw new InvalidTorrentException("info dictionary has both 'length' and 'files'");
            if (rawFiles.Count == 0) throw new InvalidTorrentException("'files' is empty");
            files = BuildFiles(name, rawFiles);
            multiFile = true;
        }
        else
        {
            if (singleLength is null) throw new InvalidTorrentException("info dictionary has neither 'length' nor 'files'");
            if (singleLength < 0) throw new InvalidTorrentException($"file length {singleLength} is negative");
            files = [new FileEntry([name], singleLength.Value, 0)];
            multiFile = false;
        }

        long total = files[^1].EndOffset;
        if (total == 0) throw new InvalidTorrentException("the torrent contains no data (total length 0)");
        long expectedPieces = (total - 1) / pieceLength.Value + 1; // no overflow even for a total near long.MaxValue
        if (pieces.Length / HashLength != expectedPieces)
            throw new InvalidTorrentException($"'pieces' holds {pieces.Length / HashLength} hashes but {total} bytes in pieces of {pieceLength} need {expectedPieces}");

        if (v2) files = MergeHybrid(files, tree!, (int)pieceLength.Value);
        return new TorrentInfo(name, (int)pieceLength.Value, pieces, files, multiFile, isPrivate, encodedInfo, hasV1: true, hasV2: v2);
    }

    private readonly record struct RawFile(List<string> Path, long Length, bool IsPadding);

    private static List<RawFile> ReadFiles(ref BencodeReader reader)
    {
        if (reader.Peek() != BencodeTokenType.ListStart) throw new InvalidTorrentException("'files' is not a list");
        reader.ReadListStart();
        var files = new List<RawFile>();
        while (!reader.TryReadEnd())
        {
            if (files.Count >= MaxFiles) throw new InvalidTorrentException($"more than {MaxFiles} files");
            if (reader.Peek() != BencodeTokenType.DictionaryStart) throw new InvalidTorrentException($"file #{files.Count + 1} is not a dictionary");
            reader.ReadDictionaryStart();
            long? length = null;
            List<string>? path = null, pathUtf8 = null;
            bool padding = false;
            while (!reader.TryReadEnd())
            {
                var key = reader.ReadString();
                if (key.SequenceEqual("length"u8)) length = ReadInteger(ref reader, "length");
                else if (key.SequenceEqual("path"u8)) path = ReadPath(ref reader);
                else if (key.SequenceEqual("path.utf-8"u8)) pathUtf8 = ReadPath(ref reader);
                else if (key.SequenceEqual("attr"u8))
                {
                    if (reader.Peek() == BencodeTokenType.String) padding = reader.ReadString().Contains((byte)'p');
                    else reader.SkipValue();
                }
                else reader.SkipValue();
            }
            path = pathUtf8 ?? path ?? throw new InvalidTorrentException($"file #{files.Count + 1} has no 'path'");
            if (length is null) throw new InvalidTorrentException($"file '{string.Join('/', path)}' has no 'length'");
            if (length < 0) throw new InvalidTorrentException($"file '{string.Join('/', path)}' has negative length {length}");
            // Older creators (before BEP 47's attr) marked padding by name only.
            padding |= path.Count > 0 && path[^1].StartsWith("_____padding_file_", StringComparison.Ordinal);
            files.Add(new RawFile(path, length.Value, padding));
        }
        return files;
    }

    private static List<string> ReadPath(ref BencodeReader reader)
    {
        if (reader.Peek() != BencodeTokenType.ListStart) throw new InvalidTorrentException("a file 'path' is not a list");
        reader.ReadListStart();
        var segments = new List<string>();
        int characters = 0;
        while (!reader.TryReadEnd())
        {
            var segment = ReadText(ref reader, "path");
            // Bounded so later per-path work (display, prefix checks) stays linear in the input size.
            characters += segment.Length + 1;
            if (characters > MaxPathLength) throw new InvalidTorrentException($"a file path is longer than {MaxPathLength} characters");
            segments.Add(segment);
        }
        return segments;
    }

    private static List<FileEntry> BuildFiles(string root, List<RawFile> rawFiles)
    {
        var files = new List<FileEntry>(rawFiles.Count);
        var tree = new PathTree();
        long offset = 0;
        foreach (var raw in rawFiles)
        {
            if (raw.Path.Count == 0) throw new InvalidTorrentException("a file has an empty path");
            // Padding files are never written, but their names still must not be hostile to tools that list them.
            // The full path is built only for the error: building it per segment was quadratic in the path's depth.
            foreach (var segment in raw.Path)
                if (PathSafety.WhyUnsafe(segment) is not null) PathSafety.EnsureSafeSegment(segment, $"{root}/{string.Join('/', raw.Path)}");
            if (!raw.IsPadding) tree.AddFile(root, raw.Path);
            files.Add(new FileEntry(raw.Path, raw.Length, offset, raw.IsPadding));
            if (raw.Length > long.MaxValue - offset) throw new InvalidTorrentException("the files' total length does not fit in 64 bits");
            offset += raw.Length;
        }
        return files;
    }

    /// <summary>
    /// Every folder and file path seen so far, one node per component, so "appears twice" and "both a file and a
    /// folder" are found in time linear in the paths' length however deep or many they are.
    /// </summary>
    private sealed class PathTree
    {
        private readonly Dictionary<(int Parent, string Name), int> _nodes = [];
        private readonly List<bool> _isFile = [false]; // node 0 is the root folder

        public void AddFile(string root, List<string> path)
        {
            int parent = 0;
            for (int i = 0; i < path.Count; i++)
            {
                bool last = i == path.Count - 1;
                if (_nodes.TryGetValue((parent, path[i]), out int node))
                {
                    if (last && _isFile[node]) throw new InvalidTorrentException($"file path '{root}/{string.Join('/', path)}' appears twice");
                    if (last || _isFile[node])
                        throw new InvalidTorrentException($"'{root}/{string.Join('/', path.Take(i + 1))}' is both a file and a folder");
                }
                else
                {
                    node = _isFile.Count;
                    _nodes.Add((parent, path[i]), node);
                    _isFile.Add(last);
                }
                parent = node;
            }
        }
    }

    private static long ReadInteger(ref BencodeReader reader, string what)
    {
        if (reader.Peek() != BencodeTokenType.Integer) throw new InvalidTorrentException($"'{what}' is not an integer");
        return reader.ReadInteger();
    }

    private static string ReadText(ref BencodeReader reader, string what)
    {
        if (reader.Peek() != BencodeTokenType.String) throw new InvalidTorrentException($"'{what}' is not a string");
        return Encoding.UTF8.GetString(reader.ReadString());
    }

    /// <summary>
    /// BEP 52: the version is checked before anything else, so a torrent of a newer format is named as such rather
    /// than refused for whatever else changed in it. Only 'meta version' 2 is defined (1 never was).
    /// </summary>
    private static void CheckMetaVersion(ReadOnlySpan<byte> encodedInfo)
    {
        var reader = new BencodeReader(encodedInfo, BencodeReader.MaxDepth);
        if (reader.Peek() != BencodeTokenType.DictionaryStart) return; // reported by the main pass
        reader.ReadDictionaryStart();
        while (!reader.TryReadEnd())
        {
            if (!reader.ReadString().SequenceEqual("meta version"u8))
            {
                reader.SkipValue();
                continue;
            }
            if (reader.Peek() != BencodeTokenType.Integer) throw new InvalidTorrentException("'meta version' is not an integer");
            long version = reader.ReadInteger();
            if (version > 2) throw new InvalidTorrentException($"this torrent uses meta version {version}, newer than Shoal understands (2)");
            if (version != 2) throw new InvalidTorrentException($"'meta version' {version} is not defined (BEP 52 is version 2)");
            return;
        }
    }

    private static bool SkipFalse(ref BencodeReader reader)
    {
        reader.SkipValue();
        return false;
    }
}
