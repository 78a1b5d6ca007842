using System.Text;
using Shoal.Bencoding;

namespace Shoal.Metainfo;

/// <summary>
/// Reads BEP 52's 'file tree': nested dictionaries whose keys are path components, a file being a node whose only key is
/// the empty string, mapping to its properties (<c>length</c>, <c>pieces root</c>). Files come out depth-first in key
/// order, which is the order of the torrent's piece space. Every name passes <see cref="PathSafety"/>; counts, path
/// lengths and nesting are bounded (the reader's depth limit bounds the nesting).
/// </summary>
internal static class FileTreeReader
{
    /// <summary>One file of the tree; <see cref="Root"/> slices the caller's info bytes (empty for an empty file).</summary>
    public readonly record struct TreeFile(IReadOnlyList<string> Path, long Length, ReadOnlyMemory<byte> Root);

    /// <summary>Reads the tree at the reader's position; <paramref name="encodedInfo"/> is the memory the reader reads.</summary>
    public static List<TreeFile> Read(ref BencodeReader reader, ReadOnlyMemory<byte> encodedInfo)
    {
        if (reader.Peek() != BencodeTokenType.DictionaryStart) throw new InvalidTorrentException("'file tree' is not a dictionary");
        var files = new List<TreeFile>();
        var path = new List<string>();
        reader.ReadDictionaryStart();
        if (!reader.TryReadEnd())
        {
            var first = reader.ReadString();
            if (first.IsEmpty) throw new InvalidTorrentException("the 'file tree' root is a file, not a folder");
            ReadChildren(ref reader, encodedInfo, Encoding.UTF8.GetString(first), path, 0, files);
        }
        return files;
    }

    /// <summary>Reads the entries of a folder whose first key (already read) is <paramref name="firstName"/>.</summary>
    private static void ReadChildren(ref BencodeReader reader, ReadOnlyMemory<byte> encodedInfo, string firstName, List<string> path,
        int pathCharacters, List<TreeFile> files)
    {
        string? name = firstName;
        while (name is not null)
        {
            int characters = pathCharacters + name.Length + 1;
            // Bounded so per-path work later (display, storage paths) stays linear in the input.
            if (characters > TorrentInfo.MaxPathLength) throw new InvalidTorrentException($"a file path is longer than {TorrentInfo.MaxPathLength} characters");
            path.Add(name);
            if (PathSafety.WhyUnsafe(name) is not null) PathSafety.EnsureSafeSegment(name, string.Join('/', path));
            ReadNode(ref reader, encodedInfo, path, characters, files);
            path.RemoveAt(path.Count - 1);
            name = reader.TryReadEnd() ? null : Encoding.UTF8.GetString(reader.ReadString());
        }
    }

    /// <summary>A node is either a file (its only key is "") or a folder (every key a name).</summary>
    private static void ReadNode(ref BencodeReader reader, ReadOnlyMemory<byte> encodedInfo, List<string> path, int pathCharacters,
        List<TreeFile> files)
    {
        if (reader.Peek() != BencodeTokenType.DictionaryStart)
            throw new InvalidTorrentException($"'file tree' entry '{Display(path)}' is not a dictionary");
        reader.ReadDictionaryStart();
        if (reader.TryReadEnd()) return; // an empty folder: nothing to share
        var key = reader.ReadString();
        if (!key.IsEmpty)
        {
            ReadChildren(ref reader, encodedInfo, Encoding.UTF8.GetString(key), path, pathCharacters, files);
            return;
        }
        if (files.Count >= TorrentInfo.MaxFiles) throw new InvalidTorrentException($"more than {TorrentInfo.MaxFiles} files");
        files.Add(ReadFile(ref reader, encodedInfo, path));
        if (!reader.TryReadEnd()) throw new InvalidTorrentException($"'file tree' entry '{Display(path)}' is both a file and a folder");
    }

    private static TreeFile ReadFile(ref BencodeReader reader, ReadOnlyMemory<byte> encodedInfo, List<string> path)
    {
        if (reader.Peek() != BencodeTokenType.DictionaryStart)
            throw new InvalidTorrentException($"the properties of file '{Display(path)}' are not a dictionary");
        reader.ReadDictionaryStart();
        long? length = null;
        ReadOnlyMemory<byte> root = default;
        while (!reader.TryReadEnd())
        {
            var key = reader.ReadString();
            if (key.SequenceEqual("length"u8))
            {
                if (reader.Peek() != BencodeTokenType.Integer) throw new InvalidTorrentException($"the length of file '{Display(path)}' is not an integer");
                length = reader.ReadInteger();
            }
            else if (key.SequenceEqual("pieces root"u8))
            {
                if (reader.Peek() != BencodeTokenType.String) throw new InvalidTorrentException($"the pieces root of file '{Display(path)}' is not a string");
                var bytes = reader.ReadString();
                if (bytes.Length != Merkle.HashSize)
                    throw new InvalidTorrentException($"the pieces root of file '{Display(path)}' is {bytes.Length} bytes, not {Merkle.HashSize}");
                root = encodedInfo.Slice(reader.Position - bytes.Length, bytes.Length);
            }
            else reader.SkipValue();
        }
        if (length is null) throw new InvalidTorrentException($"file '{Display(path)}' has no length");
        if (length < 0) throw new InvalidTorrentException($"file '{Display(path)}' has negative length {length}");
        if (length > 0 && root.IsEmpty) throw new InvalidTorrentException($"file '{Display(path)}' has no pieces root");
        if (length == 0) root = default; // BEP 52 defines no root for an empty file; one given is ignored
        return new TreeFile(path.ToArray(), length.Value, root);
    }

    private static string Display(List<string> path) => string.Join('/', path);
}
