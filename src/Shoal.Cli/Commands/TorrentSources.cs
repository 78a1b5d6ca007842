using Shoal.Cli.Output;
using Shoal.Metainfo;
using Shoal.Storage;

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
    /// A v2-only .torrent may lack its 'piece layers' (the hashes that check the data). The seeder has the data, so it
    /// computes them from its files; a file whose data does not hash to its root is not this torrent's: one clear error.
    /// Layers of files not on disk stay missing and come from peers (hash requests), as for <c>shoal get</c>.
    /// </summary>
    public static async Task CompletePieceLayersAsync(TorrentInfo info, string downloadDirectory, StorageOptions storage, CancellationToken ct)
    {
        if (info.HasAllPieceHashes) return;
        var outcome = await LocalPieceLayers.ComputeAsync(info, downloadDirectory, storage, ct);
        if (outcome.Mismatched.Count > 0)
            throw new UserErrorException($"'{TerminalText.Safe(outcome.Mismatched[0])}' under {downloadDirectory} is not this torrent's data: it does not hash to its pieces root"
                + (outcome.Mismatched.Count > 1 ? $" (nor do {outcome.Mismatched.Count - 1} more files)" : ""));
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
