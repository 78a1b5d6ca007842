using Shoal.Metainfo;
using Shoal.Storage;

namespace Shoal.Tests.Storage;

/// <summary>Builds small torrents with known contents for storage tests.</summary>
internal static class TestTorrents
{
    public sealed record Spec(string Path, long Length, bool Padding = false);

    /// <summary>A torrent over deterministic random bytes (zeros in padding files) and those bytes.</summary>
    public static (TorrentInfo Info, byte[] Data) Create(string name, int pieceLength, bool multiFile, params Spec[] files)
    {
        long total = files.Sum(f => f.Length);
        var data = new byte[total];
        var random = new Random(name.Sum(c => c) * 31 + files.Length);
        long offset = 0;
        foreach (var file in files)
        {
            if (!file.Padding) random.NextBytes(data.AsSpan((int)offset, (int)file.Length));
            offset += file.Length;
        }
        var hashes = PieceHasher.HashPieces(data, pieceLength);
        var entries = files.Select(f => ((IReadOnlyList<string>)f.Path.Split('/'), f.Length, f.Padding)).ToList();
        return (TorrentInfo.Create(name, pieceLength, hashes, entries, multiFile), data);
    }

    public static (TorrentInfo Info, byte[] Data) Single(string name, long length, int pieceLength = 16 * 1024) =>
        Create(name, pieceLength, false, new Spec(name, length));

    /// <summary>Three files of awkward sizes, a zero-length file and a BEP 47 padding file: pieces span files.</summary>
    public static (TorrentInfo Info, byte[] Data) Multi(string name = "multi") =>
        Create(name, 16 * 1024, true,
            new Spec("a.bin", 40_000),
            new Spec("empty.txt", 0),
            new Spec("sub/b.bin", 10_000),
            new Spec(".pad/7768", 16 * 1024 * 4 - 50_000, Padding: true),
            new Spec("sub/deeper/c.bin", 70_001));

    /// <summary>An info the parser would refuse (16 KiB files, zero hashes), built directly: storage must refuse it on its own.</summary>
    public static TorrentInfo Unchecked(string name, params string[][] paths)
    {
        var files = new List<FileEntry>();
        long offset = 0;
        foreach (var path in paths)
        {
            files.Add(new FileEntry(path, 16_384, offset));
            offset += 16_384;
        }
        return new TorrentInfo(name, 16_384, new byte[20 * paths.Length], files, isMultiFile: true, isPrivate: false, "d4:name1:xe"u8.ToArray());
    }

    public static ReadOnlyMemory<byte> Piece(TorrentInfo info, byte[] data, int piece) =>
        data.AsMemory(piece * info.PieceLength, info.PieceSize(piece));

    public static async Task WriteAndVerifyAsync(IPieceStorage storage, byte[] data, int piece, CancellationToken ct)
    {
        await storage.WritePieceAsync(piece, Piece(storage.Info, data, piece), ct);
        await storage.MarkVerifiedAsync(piece, ct);
    }

    /// <summary>The torrent's bytes of file <paramref name="fileIndex"/>.</summary>
    public static byte[] FileBytes(TorrentInfo info, byte[] data, int fileIndex)
    {
        var file = info.Files[fileIndex];
        return data.AsSpan((int)file.Offset, (int)file.Length).ToArray();
    }
}
