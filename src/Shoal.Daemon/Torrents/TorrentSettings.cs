namespace Shoal.Daemon.Torrents;

/// <summary>Whether a torrent follows the session's seeding limit, its own, or none (Transmission's tr_ratiolimit / tr_idlelimit).</summary>
public enum SeedLimitMode
{
    Global = 0,
    Single = 1,
    Unlimited = 2,
}

/// <summary>File priority as the RPC numbers it.</summary>
public static class FilePriority
{
    public const int Low = -1;
    public const int Normal = 0;
    public const int High = 1;

    public static bool IsValid(long value) => value is Low or Normal or High;
}

/// <summary>
/// What a user set on one torrent; stored with it (as JSON) and kept across restarts. Speeds are in the RPC's kB/s
/// (1000 bytes). Arrays are never mutated: a change makes a new settings object.
/// </summary>
public sealed record TorrentSettings
{
    public IReadOnlyList<string> Labels { get; init; } = [];

    /// <summary>-1 low, 0 normal, 1 high.</summary>
    public int BandwidthPriority { get; init; }

    public int PeerLimit { get; init; } = 80;

    public long DownloadLimit { get; init; } = 100;

    public bool DownloadLimited { get; init; }

    public long UploadLimit { get; init; } = 100;

    public bool UploadLimited { get; init; }

    public bool HonorsSessionLimits { get; init; } = true;

    public double SeedRatioLimit { get; init; } = 2.0;

    public SeedLimitMode SeedRatioMode { get; init; }

    public int SeedIdleLimit { get; init; } = 30;

    public SeedLimitMode SeedIdleMode { get; init; }

    /// <summary>One flag per entry of the info's file list, padding included (not by RPC index: see <see cref="FileIndexMap"/>); empty = every file wanted (also before a magnet's metadata is known).</summary>
    public IReadOnlyList<bool> Wanted { get; init; } = [];

    /// <summary>One priority per file; empty = every file normal.</summary>
    public IReadOnlyList<int> Priorities { get; init; } = [];

    public bool Sequential { get; init; }

    /// <summary>Bandwidth group name (see group-set); empty for none.</summary>
    public string Group { get; init; } = "";

    /// <summary>One path per file as renamed by the user (see <see cref="TorrentPaths"/>); empty = the torrent's own.</summary>
    public IReadOnlyList<string> FilePaths { get; init; } = [];

    public bool IsWanted(int file) => file >= Wanted.Count || Wanted[file];

    public int PriorityOf(int file) => file < Priorities.Count ? Priorities[file] : FilePriority.Normal;

    /// <summary>
    /// These settings with the internal <paramref name="files"/> set wanted or not (others unchanged). Padding is always
    /// "wanted" (it never makes a piece wanted): an old record that unwanted it collapses back to "every file" here.
    /// </summary>
    public TorrentSettings WithWanted(IEnumerable<int> files, bool wanted, FileIndexMap map)
    {
        ArgumentNullException.ThrowIfNull(map);
        var flags = Enumerable.Range(0, map.InternalCount).Select(i => !map.IsFile(i) || IsWanted(i)).ToArray();
        foreach (var file in files) flags[file] = wanted || !map.IsFile(file);
        return this with { Wanted = flags.All(f => f) ? [] : flags };
    }

    /// <summary>These settings with the internal <paramref name="files"/> at <paramref name="priority"/>; padding stays normal.</summary>
    public TorrentSettings WithPriority(IEnumerable<int> files, int priority, FileIndexMap map)
    {
        ArgumentNullException.ThrowIfNull(map);
        var values = Enumerable.Range(0, map.InternalCount).Select(i => map.IsFile(i) ? PriorityOf(i) : FilePriority.Normal).ToArray();
        foreach (var file in files) values[file] = map.IsFile(file) ? priority : FilePriority.Normal;
        return this with { Priorities = values.All(p => p == FilePriority.Normal) ? [] : values };
    }
}
