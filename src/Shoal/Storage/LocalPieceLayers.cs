using Shoal.Metainfo;

namespace Shoal.Storage;

/// <summary>
/// BEP 52 piece layers missing from a v2 .torrent, computed from data already on disk (a seeder has it, so it need not
/// ask peers): each file is streamed through SHA-256 in 16 KiB blocks and reduced to its piece layer (32 bytes a piece),
/// which is only used when its root equals the file's 'pieces root' from the info dictionary.
/// </summary>
public static class LocalPieceLayers
{
    /// <summary>What <see cref="ComputeAsync"/> found, per file needing a layer that the torrent lacked (paths as in the torrent).</summary>
    /// <param name="Computed">Files whose layer was computed and matched their root.</param>
    /// <param name="Mismatched">Files on disk whose data does not hash to their root (not this torrent's data).</param>
    /// <param name="Absent">Files not on disk (or not yet complete: wrong length is a mismatch, a .part file is absent).</param>
    public sealed record Outcome(IReadOnlyList<string> Computed, IReadOnlyList<string> Mismatched, IReadOnlyList<string> Absent);

    /// <summary>
    /// Computes the layers <paramref name="info"/> lacks from its files under <paramref name="downloadDirectory"/> and,
    /// when none mismatches, attaches them together with the layers it had (<see cref="TorrentInfo.UsePieceLayers"/>).
    /// Absent files keep lacking theirs (peers can still supply them). Memory: the layers plus a buffer per worker.
    /// </summary>
    public static async Task<Outcome> ComputeAsync(TorrentInfo info, string downloadDirectory, StorageOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(info);
        options ??= StorageOptions.Default;
        if (!info.HasV2) return new Outcome([], [], []);
        var paths = StoragePaths.Resolve(info, options.FilePaths);
        string root = Path.GetFullPath(downloadDirectory);

        var indexes = new List<int>();
        var files = new List<ContentFile>();
        var mismatched = new List<string>();
        var absent = new List<string>();
        for (int i = 0; i < info.Files.Count; i++)
        {
            if (!PieceLayers.Needs(info, i) || !(info.PieceLayers?.ForFile(i).IsEmpty ?? true)) continue;
            var file = info.Files[i];
            var onDisk = new FileInfo(Path.Combine([root, .. paths[i]!]));
            if (!onDisk.Exists || (!options.FollowLinks && onDisk.LinkTarget is not null)) absent.Add(file.Path);
            else if (onDisk.Length != file.Length) mismatched.Add(file.Path);
            else
            {
                indexes.Add(i);
                files.Add(new ContentFile(file.PathSegments, onDisk.FullName, file.Length));
            }
        }

        var computed = new List<string>();
        var layers = new Dictionary<int, ReadOnlyMemory<byte>>();
        if (files.Count > 0)
        {
            var hashed = await ContentHasherV2.HashAsync(files, info.PieceLength, hybrid: false, options.RecheckWorkers, null, cancellationToken)
                .ConfigureAwait(false);
            for (int k = 0; k < files.Count; k++)
            {
                var file = info.Files[indexes[k]];
                if (!hashed.Files[k].Root.AsSpan().SequenceEqual(file.PiecesRoot.Span)) mismatched.Add(file.Path);
                else
                {
                    computed.Add(file.Path);
                    layers.Add(indexes[k], hashed.Files[k].PieceLayer);
                }
            }
        }

        if (mismatched.Count == 0 && layers.Count > 0)
        {
            for (int i = 0; i < info.Files.Count; i++)
                if (info.PieceLayers?.ForFile(i) is { IsEmpty: false } known) layers.TryAdd(i, known);
            info.UsePieceLayers(PieceLayers.FromVerified(info, layers));
        }
        return new Outcome(computed, mismatched, absent);
    }
}
