using Shoal.Cli.Output;
using Shoal.Metainfo;

namespace Shoal.Cli.Commands;

/// <summary>Reading what the user named on the command line: a .torrent file or a magnet link.</summary>
internal static class TorrentSources
{
    public static bool IsMagnet(string source) => source.StartsWith("magnet:", StringComparison.OrdinalIgnoreCase);

    public static Torrent LoadTorrentFile(string path)
    {
        if (Directory.Exists(path)) throw new UserErrorException($"{path} is a folder, not a .torrent file");
        if (!File.Exists(path)) throw new UserErrorException($"no such file: {path} (give a .torrent file or a magnet: link)");
        return Torrent.Load(path);
    }

    /// <summary>
    /// The peer engine downloads v1, hybrid and v2-only torrents and magnet links (piece layers missing from a v2 link or
    /// .torrent come from peers' answers to hash requests), but seeding a v2-only .torrent needs its 'piece layers' to
    /// check the data, so that is refused (shoal info reads it).
    /// </summary>
    public static void EnsureSeedable(InfoHashes hashes, TorrentInfo info, string name)
    {
        if (hashes.HasV1) return;
        if (!info.HasAllPieceHashes)
            throw new UserErrorException($"'{TerminalText.Safe(name)}' is a v2-only torrent without its piece layers: it cannot be seeded (shoal get fetches them from peers)");
    }

    /// <summary>The torrent's own tiers followed by extra ones, without repeating a URL.</summary>
    public static IReadOnlyList<IReadOnlyList<string>> MergeTiers(IReadOnlyList<IReadOnlyList<string>> own, IReadOnlyList<IReadOnlyList<string>> extra)
    {
        var seen = new HashSet<string>(own.SelectMany(t => t), StringComparer.Ordinal);
        var merged = own.ToList();
        foreach (var tier in extra)
        {
            var fresh = tier.Where(seen.Add).ToArray();
            if (fresh.Length > 0) merged.Add(fresh);
        }
        return merged;
    }
}
