namespace Shoal.Metainfo;

/// <summary>
/// A whole .torrent file: the <see cref="Info"/> dictionary that defines the content and its identity, plus the
/// metadata around it (trackers, comment, creator, date, web seeds, and for v2 the piece layers). The info dictionary's
/// bytes are kept exactly as found, so <see cref="Encode"/> never changes the info-hash; other top-level keys Shoal does
/// not model are kept too.
/// </summary>
public sealed partial class Torrent
{
    /// <summary>Largest .torrent file <see cref="Load"/> reads (a 16 GiB torrent in 16 KiB pieces is ~20 MiB).</summary>
    public const int MaxFileSize = 64 * 1024 * 1024;

    private readonly IReadOnlyList<KeyValuePair<byte[], ReadOnlyMemory<byte>>> _extraFields;

    public Torrent(TorrentInfo info, IEnumerable<IEnumerable<string>>? announceTiers = null, string? comment = null,
        string? createdBy = null, DateTimeOffset? creationDate = null, IEnumerable<string>? webSeeds = null, PieceLayers? pieceLayers = null)
        : this(info, NormaliseTiers(announceTiers), comment, createdBy, creationDate, NormaliseUrls(webSeeds), [], pieceLayers)
    {
    }

    private Torrent(TorrentInfo info, IReadOnlyList<IReadOnlyList<string>> tiers, string? comment, string? createdBy,
        DateTimeOffset? creationDate, IReadOnlyList<string> webSeeds, IReadOnlyList<KeyValuePair<byte[], ReadOnlyMemory<byte>>> extraFields,
        PieceLayers? pieceLayers)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (pieceLayers is not null && !info.HasV2) throw new ArgumentException("only a v2 or hybrid torrent has piece layers", nameof(pieceLayers));
        Info = info;
        AnnounceTiers = tiers;
        Comment = string.IsNullOrEmpty(comment) ? null : comment;
        CreatedBy = string.IsNullOrEmpty(createdBy) ? null : createdBy;
        CreationDate = creationDate is { } date ? DateTimeOffset.FromUnixTimeSeconds(date.ToUnixTimeSeconds()) : null;
        WebSeeds = webSeeds;
        _extraFields = extraFields;
        PieceLayers = pieceLayers;
        // The info checks pieces against its layers from now on (storage's recheck, the verifier).
        if (pieceLayers is not null) info.UsePieceLayers(pieceLayers);
    }

    public TorrentInfo Info { get; }

    /// <summary>The 20-byte hash the torrent is known by on the wire (<see cref="TorrentInfo.InfoHash"/>).</summary>
    public InfoHash InfoHash => Info.InfoHash;

    /// <summary>The v1 hash, the v2 hash, or both.</summary>
    public InfoHashes InfoHashes => Info.InfoHashes;

    /// <summary>
    /// Tracker URLs grouped in tiers (BEP 12): try every tracker of a tier before falling back to the next tier.
    /// A torrent with only 'announce' has one tier of one URL; a trackerless torrent has none.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<string>> AnnounceTiers { get; }

    /// <summary>The first tracker of the first tier (what 'announce' holds), or null.</summary>
    public string? Announce => AnnounceTiers.Count > 0 ? AnnounceTiers[0][0] : null;

    /// <summary>Every tracker URL once, tier by tier.</summary>
    public IReadOnlyList<string> Trackers => AnnounceTiers.SelectMany(t => t).Distinct(StringComparer.Ordinal).ToArray();

    public string? Comment { get; }

    public string? CreatedBy { get; }

    /// <summary>When the torrent was made (whole seconds), if it says.</summary>
    public DateTimeOffset? CreationDate { get; }

    /// <summary>BEP 19 web seeds ('url-list').</summary>
    public IReadOnlyList<string> WebSeeds { get; }

    /// <summary>BEP 52 piece layers of a v2 or hybrid torrent (checked against the file roots), or null when absent.</summary>
    public PieceLayers? PieceLayers { get; }

    /// <summary>Parses a whole .torrent file; throws <see cref="InvalidTorrentException"/> naming what is wrong.</summary>
    public static Torrent Parse(ReadOnlyMemory<byte> data) => TorrentParser.Parse(data);

    /// <summary>
    /// Reads and parses a .torrent file. A missing or unreadable file raises <see cref="FileNotFoundException"/> /
    /// <see cref="IOException"/> / <see cref="UnauthorizedAccessException"/>; a file larger than <see cref="MaxFileSize"/>
    /// or with bad contents raises <see cref="InvalidTorrentException"/>.
    /// </summary>
    public static Torrent Load(string path)
    {
        if (Directory.Exists(path)) throw new InvalidTorrentException($"'{path}' is a folder, not a .torrent file");
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        long length = RandomAccess.GetLength(file);
        if (length > MaxFileSize)
            throw new InvalidTorrentException($"'{path}' is {length} bytes, larger than any sane .torrent file ({MaxFileSize} bytes)");
        var data = new byte[length];
        int read = 0;
        while (read < data.Length)
        {
            int n = RandomAccess.Read(file, data.AsSpan(read), read);
            if (n == 0) throw new InvalidTorrentException($"'{path}' shrank while it was being read");
            read += n;
        }
        try
        {
            return Parse(data);
        }
        catch (InvalidTorrentException ex)
        {
            throw new InvalidTorrentException($"{path}: {ex.Message}", ex);
        }
    }

    /// <summary>Writes <see cref="Encode"/>'s bytes to <paramref name="path"/> (replacing it atomically where possible).</summary>
    public void Save(string path)
    {
        var bytes = Encode();
        var full = Path.GetFullPath(path);
        var temp = Path.Combine(Path.GetDirectoryName(full) ?? ".", $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Encodes the torrent canonically; the info dictionary is written byte for byte as it was read or built.</summary>
    public byte[] Encode() => TorrentWriter.Encode(this, _extraFields);

    internal static Torrent FromParts(TorrentInfo info, IReadOnlyList<IReadOnlyList<string>> tiers, string? comment, string? createdBy,
        DateTimeOffset? creationDate, IReadOnlyList<string> webSeeds, IReadOnlyList<KeyValuePair<byte[], ReadOnlyMemory<byte>>> extraFields,
        PieceLayers? pieceLayers) =>
        new(info, tiers, comment, createdBy, creationDate, webSeeds, extraFields, pieceLayers);

    /// <summary>Trims URLs, drops empty ones and duplicates (a URL stays in the first tier it appears in), drops empty tiers.</summary>
    internal static IReadOnlyList<IReadOnlyList<string>> NormaliseTiers(IEnumerable<IEnumerable<string>>? tiers)
    {
        if (tiers is null) return [];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<IReadOnlyList<string>>();
        foreach (var tier in tiers)
        {
            var urls = tier.Select(u => u.Trim()).Where(u => u.Length > 0 && seen.Add(u)).ToArray();
            if (urls.Length > 0) result.Add(urls);
        }
        return result;
    }

    internal static IReadOnlyList<string> NormaliseUrls(IEnumerable<string>? urls) =>
        urls is null ? [] : urls.Select(u => u.Trim()).Where(u => u.Length > 0).Distinct(StringComparer.Ordinal).ToArray();
}
