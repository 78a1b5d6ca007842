using System.Buffers;
using Shoal.Bencoding;

namespace Shoal.Metainfo;

/// <summary>
/// Encodes a <see cref="Torrent"/> as mktorrent does: 'announce' is the first tracker, 'announce-list' is written only
/// when there is more than one tracker, 'url-list' is a string for one web seed and a list for several.
/// Keys come out in byte order; the info dictionary and unknown top-level values are copied verbatim.
/// </summary>
internal static class TorrentWriter
{
    public static byte[] Encode(Torrent torrent, IReadOnlyList<KeyValuePair<byte[], ReadOnlyMemory<byte>>> extraFields)
    {
        var fields = new List<(byte[] Key, Action<BencodeWriter> Write)>();
        var tiers = torrent.AnnounceTiers;
        if (torrent.Announce is { } announce) fields.Add(("announce"u8.ToArray(), w => w.WriteString(announce)));
        if (tiers.Sum(t => t.Count) > 1) fields.Add(("announce-list"u8.ToArray(), w => WriteTiers(w, tiers)));
        if (torrent.Comment is { } comment) fields.Add(("comment"u8.ToArray(), w => w.WriteString(comment)));
        if (torrent.CreatedBy is { } createdBy) fields.Add(("created by"u8.ToArray(), w => w.WriteString(createdBy)));
        if (torrent.CreationDate is { } date) fields.Add(("creation date"u8.ToArray(), w => w.WriteInteger(date.ToUnixTimeSeconds())));
        fields.Add(("info"u8.ToArray(), w => w.WriteRaw(torrent.Info.RawInfo.Span)));
        if (torrent.PieceLayers is { } layers) fields.Add(("piece layers"u8.ToArray(), layers.WriteTo));
        if (torrent.WebSeeds.Count == 1) fields.Add(("url-list"u8.ToArray(), w => w.WriteString(torrent.WebSeeds[0])));
        else if (torrent.WebSeeds.Count > 1) fields.Add(("url-list"u8.ToArray(), w => WriteList(w, torrent.WebSeeds)));
        foreach (var (key, raw) in extraFields)
        {
            // A modelled field wins over an unknown one with the same key (there is none after parsing, but be safe).
            if (!fields.Any(f => f.Key.AsSpan().SequenceEqual(key))) fields.Add((key, w => w.WriteRaw(raw.Span)));
        }
        fields.Sort((a, b) => a.Key.AsSpan().SequenceCompareTo(b.Key));

        var buffer = new ArrayBufferWriter<byte>(torrent.Info.RawInfo.Length + 1024 + (torrent.Info.HasV2 ? torrent.Info.PieceCount * 32 : 0));
        var writer = new BencodeWriter(buffer);
        writer.WriteDictionaryStart();
        foreach (var (key, write) in fields)
        {
            writer.WriteString(key);
            write(writer);
        }
        writer.WriteEnd();
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteTiers(BencodeWriter writer, IReadOnlyList<IReadOnlyList<string>> tiers)
    {
        writer.WriteListStart();
        foreach (var tier in tiers) WriteList(writer, tier);
        writer.WriteEnd();
    }

    private static void WriteList(BencodeWriter writer, IReadOnlyList<string> items)
    {
        writer.WriteListStart();
        foreach (var item in items) writer.WriteString(item);
        writer.WriteEnd();
    }
}
