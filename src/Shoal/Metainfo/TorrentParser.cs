using System.Text;
using Shoal.Bencoding;

namespace Shoal.Metainfo;

/// <summary>
/// Reads a whole .torrent file. The bencode must be strictly valid and the info dictionary is validated in full
/// (<see cref="TorrentInfo.Parse"/>); the optional metadata around it is read leniently, as other clients do:
/// an entry of the wrong type is ignored rather than making an otherwise usable torrent unreadable.
/// </summary>
internal static class TorrentParser
{
    private const int MaxTrackers = 1000;

    public static Torrent Parse(ReadOnlyMemory<byte> data)
    {
        try
        {
            return ParseCore(data);
        }
        catch (BencodeException ex)
        {
            throw new InvalidTorrentException($"not a valid .torrent file: {ex.Message}", ex);
        }
    }

    private static Torrent ParseCore(ReadOnlyMemory<byte> data)
    {
        if (data.IsEmpty) throw new InvalidTorrentException("the .torrent file is empty");
        if (data.Span[0] != (byte)'d') throw new InvalidTorrentException("not a .torrent file: it does not start with a bencoded dictionary");
        var reader = new BencodeReader(data.Span, BencodeReader.MaxDepth); // the info's v2 file tree nests one level per folder
        reader.ReadDictionaryStart();

        TorrentInfo? info = null;
        string? announce = null, comment = null, createdBy = null;
        List<IReadOnlyList<string>>? announceList = null;
        DateTimeOffset? creationDate = null;
        List<string> webSeeds = [];
        var extras = new List<KeyValuePair<byte[], ReadOnlyMemory<byte>>>();
        ReadOnlyMemory<byte>? pieceLayers = null;

        while (!reader.TryReadEnd())
        {
            var key = reader.ReadString();
            if (key.SequenceEqual("info"u8))
            {
                int start = reader.Position;
                int length = reader.ReadRawValue().Length;
                // A slice of the caller's buffer: the info-hash is the SHA-1 of exactly these bytes.
                info = TorrentInfo.Parse(data.Slice(start, length));
            }
            else if (key.SequenceEqual("announce"u8)) announce = ReadOptionalText(ref reader);
            else if (key.SequenceEqual("announce-list"u8)) announceList = ReadTiers(ref reader);
            else if (key.SequenceEqual("comment.utf-8"u8)) comment = ReadOptionalText(ref reader) ?? comment;
            else if (key.SequenceEqual("comment"u8)) comment ??= ReadOptionalText(ref reader);
            else if (key.SequenceEqual("created by"u8)) createdBy = ReadOptionalText(ref reader);
            else if (key.SequenceEqual("creation date"u8)) creationDate = ReadDate(ref reader);
            else if (key.SequenceEqual("url-list"u8)) webSeeds = ReadUrlList(ref reader);
            else if (key.SequenceEqual("piece layers"u8))
            {
                int start = reader.Position;
                pieceLayers = data.Slice(start, reader.ReadRawValue().Length);
            }
            else
            {
                var keyBytes = key.ToArray();
                int start = reader.Position;
                int length = reader.ReadRawValue().Length;
                extras.Add(new(keyBytes, data.Slice(start, length)));
            }
        }
        reader.EnsureEnd();

        if (info is null) throw new InvalidTorrentException("the .torrent file has no 'info' dictionary");
        PieceLayers? layers = null;
        if (pieceLayers is { } raw)
        {
            // Checked against the info's roots; a v1 torrent has no use for them, so they are kept as they are.
            if (info.HasV2) layers = PieceLayers.Parse(info, raw);
            else extras.Add(new("piece layers"u8.ToArray(), raw));
        }

        // BEP 12: when announce-list is present (and usable) it replaces announce.
        IEnumerable<IEnumerable<string>> tiers = announceList is { Count: > 0 } ? announceList : announce is null ? [] : [[announce]];
        return Torrent.FromParts(info, Torrent.NormaliseTiers(tiers), comment, createdBy, creationDate, Torrent.NormaliseUrls(webSeeds), extras, layers);
    }

    private static List<IReadOnlyList<string>>? ReadTiers(ref BencodeReader reader)
    {
        if (reader.Peek() != BencodeTokenType.ListStart)
        {
            reader.SkipValue();
            return null;
        }
        reader.ReadListStart();
        var tiers = new List<IReadOnlyList<string>>();
        int count = 0;
        while (!reader.TryReadEnd())
        {
            if (reader.Peek() != BencodeTokenType.ListStart)
            {
                reader.SkipValue();
                continue;
            }
            reader.ReadListStart();
            var tier = new List<string>();
            while (!reader.TryReadEnd())
            {
                var url = ReadOptionalText(ref reader);
                if (url is not null && ++count <= MaxTrackers) tier.Add(url);
            }
            tiers.Add(tier);
        }
        return tiers;
    }

    private static List<string> ReadUrlList(ref BencodeReader reader)
    {
        // BEP 19 allows a single string or a list of strings.
        if (reader.Peek() == BencodeTokenType.String) return [Encoding.UTF8.GetString(reader.ReadString())];
        var urls = new List<string>();
        if (reader.Peek() != BencodeTokenType.ListStart)
        {
            reader.SkipValue();
            return urls;
        }
        reader.ReadListStart();
        while (!reader.TryReadEnd())
        {
            var url = ReadOptionalText(ref reader);
            if (url is not null && urls.Count < MaxTrackers) urls.Add(url);
        }
        return urls;
    }

    private static DateTimeOffset? ReadDate(ref BencodeReader reader)
    {
        if (reader.Peek() != BencodeTokenType.Integer)
        {
            reader.SkipValue();
            return null;
        }
        long seconds = reader.ReadInteger();
        const long min = -62135596800, max = 253402300799; // 0001-01-01 .. 9999-12-31, what DateTimeOffset can hold
        return seconds is >= min and <= max ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;
    }

    private static string? ReadOptionalText(ref BencodeReader reader)
    {
        if (reader.Peek() != BencodeTokenType.String)
        {
            reader.SkipValue();
            return null;
        }
        return Encoding.UTF8.GetString(reader.ReadString());
    }
}
