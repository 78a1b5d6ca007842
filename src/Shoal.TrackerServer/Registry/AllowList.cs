using System.Collections.Frozen;
using Shoal.Metainfo;

namespace Shoal.TrackerServer.Registry;

/// <summary>
/// The torrents a private tracker serves: a text file with one info-hash (40 hex digits) per line, optionally followed by
/// whitespace and a display name; blank lines and lines starting with '#' are ignored.
/// </summary>
public sealed class AllowList
{
    public const int MaxEntries = 10_000_000;

    private readonly FrozenDictionary<InfoHash, string?> _entries;

    public AllowList(IEnumerable<KeyValuePair<InfoHash, string?>> entries)
    {
        _entries = entries.ToFrozenDictionary(InfoHashComparer.Instance);
    }

    public int Count => _entries.Count;

    public IEnumerable<KeyValuePair<InfoHash, string?>> Entries => _entries;

    public bool Contains(InfoHash infoHash) => _entries.ContainsKey(infoHash);

    public string? NameOf(InfoHash infoHash) => _entries.GetValueOrDefault(infoHash);

    /// <summary>Reads an allow-list file; a malformed line is a <see cref="FormatException"/> naming the line.</summary>
    public static AllowList Load(string path)
    {
        var entries = new Dictionary<InfoHash, string?>(InfoHashComparer.Instance);
        int lineNumber = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            int space = line.IndexOfAny([' ', '\t']);
            var hashText = space < 0 ? line : line[..space];
            var name = space < 0 ? null : line[(space + 1)..].Trim();
            if (hashText.Length != 40 || !InfoHash.TryParse(hashText, out var hash))
                throw new FormatException($"{path}:{lineNumber}: expected an info-hash of 40 hex digits, got '{hashText}'");
            if (entries.Count >= MaxEntries) throw new FormatException($"{path}: more than {MaxEntries} entries");
            entries[hash] = string.IsNullOrEmpty(name) ? null : name;
        }
        return new AllowList(entries);
    }
}
