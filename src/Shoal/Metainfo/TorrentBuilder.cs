using System.Numerics;
using System.Reflection;

namespace Shoal.Metainfo;

/// <summary>
/// Makes a .torrent from a file or folder: v1 by default, or v2 or hybrid (<see cref="Format"/>). The result is
/// deterministic. A v1 torrent lists files as mktorrent does (see <see cref="TorrentContent"/>), so for the same content,
/// piece length, name and trackers its info-hash equals mktorrent's (and for a single file libtorrent's with
/// <c>v1_only</c>); v2 and hybrid torrents list files in file tree order and equal libtorrent's <c>create_torrent</c>
/// with <c>v2_only</c> and with its default (hybrid) flags.
/// </summary>
public sealed class TorrentBuilder
{
    /// <summary>The piece count <see cref="ChoosePieceLength"/> aims below.</summary>
    public const int TargetPieceCount = 2000;

    /// <summary>Smallest automatic piece length (the request block size).</summary>
    public const int MinAutoPieceLength = 16 * 1024;

    /// <summary>Largest automatic piece length; a piece is held in memory while it downloads.</summary>
    public const int MaxAutoPieceLength = 16 * 1024 * 1024;

    private readonly TimeProvider _time;

    public TorrentBuilder(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    /// <summary>Tracker tiers (BEP 12). The first URL of the first tier becomes 'announce'; with more than one URL in all, every tier goes into 'announce-list'.</summary>
    public IList<IReadOnlyList<string>> AnnounceTiers { get; } = new List<IReadOnlyList<string>>();

    /// <summary>Adds each URL as a tier of its own (backup trackers, as mktorrent's repeated -a does).</summary>
    public TorrentBuilder AddTrackers(params IEnumerable<string> urls)
    {
        foreach (var url in urls) AnnounceTiers.Add([url]);
        return this;
    }

    /// <summary>BEP 19 web seeds ('url-list').</summary>
    public IList<string> WebSeeds { get; } = new List<string>();

    public string? Comment { get; set; }

    /// <summary>The 'created by' field; defaults to "Shoal/&lt;version&gt;".</summary>
    public string? CreatedBy { get; set; } = DefaultCreatedBy;

    /// <summary>
    /// Write the 'creation date' (the default, as mktorrent and libtorrent do). It lies outside the info dictionary, so it
    /// never changes the info-hash; turn it off (mktorrent -d) for byte-identical .torrent files from the same input.
    /// </summary>
    public bool IncludeCreationDate { get; set; } = true;

    /// <summary>BEP 27: peers only from the trackers.</summary>
    public bool IsPrivate { get; set; }

    /// <summary>v1 (the default: what every client reads), v2 or hybrid.</summary>
    public TorrentFormat Format { get; set; } = TorrentFormat.V1;

    /// <summary>Bytes per piece (a power of two between 16 KiB and 256 MiB); null picks one with <see cref="ChoosePieceLength"/>.</summary>
    public int? PieceLength { get; set; }

    /// <summary>
    /// Hashing threads; by default one more than there are cores, so that a worker waiting for the disk never leaves a
    /// core idle (mktorrent's separate reader thread plays the same part). Each holds one 1 MiB buffer.
    /// </summary>
    public int Workers { get; set; } = Environment.ProcessorCount + 1;

    public static string DefaultCreatedBy { get; } = $"Shoal/{Version()}";

    /// <summary>
    /// The automatic piece length: the smallest power of two that splits <paramref name="totalLength"/> into at most
    /// <see cref="TargetPieceCount"/> pieces (so a torrent gets between 1,000 and 2,000 pieces), clamped to
    /// 16 KiB … 16 MiB. For example 700 MB → 512 KiB (1,336 pieces), 4 GiB → 4 MiB (1,024 pieces),
    /// 100 GiB → 16 MiB (6,400 pieces); anything up to about 31 MiB gets 16 KiB pieces.
    /// </summary>
    public static int ChoosePieceLength(long totalLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(totalLength);
        long wanted = totalLength / TargetPieceCount + (totalLength % TargetPieceCount == 0 ? 0 : 1);
        if (wanted <= MinAutoPieceLength) return MinAutoPieceLength;
        if (wanted >= MaxAutoPieceLength) return MaxAutoPieceLength;
        return (int)BitOperations.RoundUpToPowerOf2((ulong)wanted);
    }

    /// <summary>Lists, hashes and describes a file or folder. See <see cref="TorrentContent.Scan"/> for the errors it raises.</summary>
    public Task<Torrent> BuildAsync(string path, IProgress<long>? progress = null, CancellationToken cancellationToken = default) =>
        BuildAsync(TorrentContent.Scan(path), progress, cancellationToken);

    /// <summary>
    /// Hashes already listed content. <paramref name="progress"/> receives the running total of bytes hashed (reports can
    /// arrive out of order when the IProgress posts them to other threads, so keep the largest).
    /// </summary>
    public async Task<Torrent> BuildAsync(TorrentContent content, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (content.TotalLength == 0) throw new IOException($"'{content.Name}' holds no data: every file is empty");
        int pieceLength = PieceLength ?? ChoosePieceLength(content.TotalLength);
        if (pieceLength < TorrentInfo.MinPieceLength || pieceLength > TorrentInfo.MaxPieceLength || !BitOperations.IsPow2(pieceLength))
            throw new ArgumentOutOfRangeException(nameof(PieceLength), pieceLength,
                $"the piece size must be a power of two between {TorrentInfo.MinPieceLength} and {TorrentInfo.MaxPieceLength} bytes");

        var date = IncludeCreationDate ? _time.GetUtcNow() : (DateTimeOffset?)null;
        if (Format == TorrentFormat.V1)
        {
            var hashes = await ContentHasher.HashAsync(content.Files, pieceLength, Workers, progress, cancellationToken).ConfigureAwait(false);
            var files = content.Files.Select(f => (f.PathSegments, f.Length, false)).ToArray();
            var info = TorrentInfo.Create(content.Name, pieceLength, hashes, files, content.IsFolder, IsPrivate);
            return new Torrent(info, AnnounceTiers, Comment, CreatedBy, date, WebSeeds);
        }

        // v2 lists files in file tree order, which is not mktorrent's '/'-joined order.
        var ordered = content.Files.OrderBy(f => f.PathSegments, TorrentInfo.TreeOrder).ToArray();
        var result = await ContentHasherV2.HashAsync(ordered, pieceLength, Format == TorrentFormat.Hybrid, Workers, progress, cancellationToken)
            .ConfigureAwait(false);
        var treeFiles = ordered.Zip(result.Files, (f, h) => (f.PathSegments, f.Length, (ReadOnlyMemory<byte>)h.Root)).ToArray();
        var v2Info = TorrentInfo.CreateV2(content.Name, pieceLength, treeFiles, content.IsFolder, IsPrivate, result.V1PieceHashes);
        var layers = new Dictionary<int, ReadOnlyMemory<byte>>();
        for (int i = 0, next = 0; i < v2Info.Files.Count; i++)
        {
            var file = v2Info.Files[i];
            if (file.IsPadding || file.Length == 0) continue;
            // The info lists the same non-empty files in the same order, padding aside.
            while (ordered[next].Length == 0) next++;
            if (PieceLayers.Needs(v2Info, i)) layers.Add(i, result.Files[next].PieceLayer);
            next++;
        }
        return new Torrent(v2Info, AnnounceTiers, Comment, CreatedBy, date, WebSeeds, PieceLayers.FromVerified(v2Info, layers));
    }

    private static string Version()
    {
        var version = typeof(TorrentBuilder).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? typeof(TorrentBuilder).Assembly.GetName().Version?.ToString() ?? "0";
        int plus = version.IndexOf('+'); // drop the source-revision suffix the SDK appends
        return plus < 0 ? version : version[..plus];
    }
}
