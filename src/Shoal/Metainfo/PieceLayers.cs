using System.Buffers;
using Shoal.Bencoding;

namespace Shoal.Metainfo;

/// <summary>
/// BEP 52's 'piece layers' (outside the info dictionary): for each file longer than a piece, the hashes of its merkle
/// tree at the piece layer, keyed by the file's root. Every layer given is checked: exactly one hash per piece of the
/// file, and together (padded) they hash to the file's 'pieces root'. A missing layer is allowed: like a magnet link,
/// the download then asks peers for those hashes (hash requests), checked against the same root.
/// </summary>
public sealed class PieceLayers
{
    private readonly TorrentInfo _info;
    private readonly ReadOnlyMemory<byte>[] _layers; // per entry of _info.Files; empty when none is needed or none was given

    private PieceLayers(TorrentInfo info, ReadOnlyMemory<byte>[] layers)
    {
        _info = info;
        _layers = layers;
        MissingFiles = Enumerable.Range(0, layers.Length).Count(i => Needs(info, i) && layers[i].IsEmpty);
    }

    /// <summary>The info dictionary these layers were checked against.</summary>
    public TorrentInfo Info => _info;

    /// <summary>Files that need a piece layer (longer than a piece) but have none here.</summary>
    public int MissingFiles { get; }

    /// <summary>True when every file longer than a piece has its layer.</summary>
    public bool IsComplete => MissingFiles == 0;

    /// <summary>True when file <paramref name="fileIndex"/> of <paramref name="info"/> has a piece layer (a non-padding v2 file longer than a piece).</summary>
    public static bool Needs(TorrentInfo info, int fileIndex)
    {
        var file = info.Files[fileIndex];
        return !file.IsPadding && !file.PiecesRoot.IsEmpty && file.Length > info.PieceLength;
    }

    /// <summary>The layer of file <paramref name="fileIndex"/>: one 32-byte hash per piece of the file; empty when it needs none or it is missing.</summary>
    public ReadOnlyMemory<byte> ForFile(int fileIndex) => _layers[fileIndex];

    /// <summary>Layers from hashes already checked (a builder that computed them, or hashes fetched from peers).</summary>
    public static PieceLayers FromVerified(TorrentInfo info, IReadOnlyDictionary<int, ReadOnlyMemory<byte>> layers)
    {
        ArgumentNullException.ThrowIfNull(info);
        var byFile = new ReadOnlyMemory<byte>[info.Files.Count];
        foreach (var (index, layer) in layers)
        {
            if (!Needs(info, index)) throw new ArgumentException($"file {index} needs no piece layer", nameof(layers));
            Check(info, index, layer.Span);
            byFile[index] = layer;
        }
        return new PieceLayers(info, byFile);
    }

    /// <summary>
    /// Parses the bencoded 'piece layers' dictionary of a torrent whose info is <paramref name="info"/>; the layers slice
    /// <paramref name="encoded"/>. Throws <see cref="InvalidTorrentException"/> for a layer that does not match its root.
    /// </summary>
    public static PieceLayers Parse(TorrentInfo info, ReadOnlyMemory<byte> encoded)
    {
        ArgumentNullException.ThrowIfNull(info);
        var filesByRoot = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (int i = 0; i < info.Files.Count; i++)
        {
            if (!Needs(info, i)) continue;
            var key = Convert.ToHexString(info.Files[i].PiecesRoot.Span);
            if (!filesByRoot.TryGetValue(key, out var same)) filesByRoot.Add(key, same = []);
            same.Add(i); // identical files share a root, and so one layer
        }

        var layers = new ReadOnlyMemory<byte>[info.Files.Count];
        try
        {
            var reader = new BencodeReader(encoded.Span);
            if (reader.Peek() != BencodeTokenType.DictionaryStart) throw new InvalidTorrentException("'piece layers' is not a dictionary");
            reader.ReadDictionaryStart();
            while (!reader.TryReadEnd())
            {
                var root = reader.ReadString();
                if (reader.Peek() != BencodeTokenType.String) throw new InvalidTorrentException("a 'piece layers' value is not a string");
                var value = reader.ReadString();
                // A key naming no file (or a file short enough to need no layer) is ignored, as libtorrent does.
                if (root.Length != Merkle.HashSize || !filesByRoot.TryGetValue(Convert.ToHexString(root), out var files)) continue;
                var layer = encoded.Slice(reader.Position - value.Length, value.Length);
                Check(info, files[0], layer.Span);
                foreach (int file in files) layers[file] = layer;
            }
            reader.EnsureEnd();
        }
        catch (BencodeException ex)
        {
            throw new InvalidTorrentException($"invalid 'piece layers': {ex.Message}", ex);
        }
        return new PieceLayers(info, layers);
    }

    /// <summary>Writes the dictionary: one entry per distinct root, in key order.</summary>
    public void WriteTo(BencodeWriter writer)
    {
        var entries = new SortedDictionary<byte[], ReadOnlyMemory<byte>>(Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b)));
        for (int i = 0; i < _layers.Length; i++)
            if (!_layers[i].IsEmpty) entries.TryAdd(_info.Files[i].PiecesRoot.ToArray(), _layers[i]);
        writer.WriteDictionaryStart();
        foreach (var (root, layer) in entries)
        {
            writer.WriteString(root);
            writer.WriteString(layer.Span);
        }
        writer.WriteEnd();
    }

    /// <summary>Throws unless <paramref name="layer"/> has one hash per piece of the file and hashes to its root.</summary>
    private static void Check(TorrentInfo info, int fileIndex, ReadOnlySpan<byte> layer)
    {
        var file = info.Files[fileIndex];
        long pieces = (file.Length - 1) / info.PieceLength + 1;
        if (layer.Length != pieces * Merkle.HashSize)
            throw new InvalidTorrentException($"the piece layer of '{file.Path}' is {layer.Length} bytes; its {pieces} pieces need {pieces * Merkle.HashSize}");
        var scratch = ArrayPool<byte>.Shared.Rent(layer.Length);
        try
        {
            layer.CopyTo(scratch);
            Span<byte> root = stackalloc byte[Merkle.HashSize];
            Merkle.RootInPlace(scratch.AsSpan(0, layer.Length), (int)pieces, Merkle.PieceHeight(info.PieceLength), Merkle.FileHeight(file.Length), root);
            if (!root.SequenceEqual(file.PiecesRoot.Span))
                throw new InvalidTorrentException($"the piece layer of '{file.Path}' does not hash to its pieces root");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }
}
