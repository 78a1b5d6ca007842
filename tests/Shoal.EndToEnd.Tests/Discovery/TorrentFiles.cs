using Shoal.Bencoding;
using Shoal.Metainfo;
using Shoal.Storage;

namespace Shoal.EndToEnd.Tests.Discovery;

/// <summary>Small helpers for the discovery interop tests: read the info dictionary of a .torrent, make one for a file.</summary>
internal static class TorrentFiles
{
    /// <summary>The info dictionary of a .torrent file, exactly as its bytes are (so the info-hash is the file's).</summary>
    public static TorrentInfo ReadInfo(string torrentPath)
    {
        var bytes = File.ReadAllBytes(torrentPath);
        var reader = new BencodeReader(bytes);
        reader.ReadDictionaryStart();
        while (!reader.TryReadEnd())
        {
            var key = reader.ReadString();
            if (key.SequenceEqual("info"u8))
            {
                int start = reader.Position;
                int length = reader.ReadRawValue().Length;
                return TorrentInfo.Parse(bytes.AsMemory(start, length));
            }
            reader.SkipValue();
        }
        throw new InvalidDataException($"{torrentPath} has no info dictionary");
    }

    /// <summary>A single-file v1 torrent of <paramref name="path"/> (its name is the file name).</summary>
    public static TorrentInfo ForFile(string path, int pieceLength)
    {
        var data = File.ReadAllBytes(path);
        var hashes = PieceHasher.HashPieces(data, pieceLength);
        var name = Path.GetFileName(path);
        return TorrentInfo.Create(name, pieceLength, hashes, [([name], data.Length, false)], multiFile: false);
    }

    public static string Magnet(InfoHash hash, string? name = null) =>
        $"magnet:?xt=urn:btih:{hash.ToHex()}" + (name is null ? "" : "&dn=" + Uri.EscapeDataString(name));
}
