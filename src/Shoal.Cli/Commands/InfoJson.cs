using System.Text.Encodings.Web;
using System.Text.Json;
using Shoal.Metainfo;

namespace Shoal.Cli.Commands;

/// <summary>The --json form of <c>shoal info</c>: one object, "kind" telling a torrent from a magnet link.</summary>
internal static class InfoJson
{
    private static readonly JsonWriterOptions Options = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write(Stream output, Torrent torrent)
    {
        var info = torrent.Info;
        using var json = new Utf8JsonWriter(output, Options);
        json.WriteStartObject();
        json.WriteString("kind", "torrent");
        json.WriteString("name", info.Name);
        json.WriteString("infoHash", info.InfoHash.ToHex());
        Hashes(json, info.InfoHashes);
        json.WriteNumber("totalLength", info.DataLength);
        json.WriteNumber("pieceLength", info.PieceLength);
        json.WriteNumber("pieceCount", info.PieceCount);
        json.WriteBoolean("private", info.IsPrivate);
        json.WriteBoolean("multiFile", info.IsMultiFile);
        json.WriteStartArray("announceTiers");
        foreach (var tier in torrent.AnnounceTiers) StringArray(json, null, tier);
        json.WriteEndArray();
        StringArray(json, "trackers", torrent.Trackers);
        StringArray(json, "webSeeds", torrent.WebSeeds);
        NullableString(json, "createdBy", torrent.CreatedBy);
        NullableString(json, "creationDate", torrent.CreationDate?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture));
        NullableString(json, "comment", torrent.Comment);
        json.WriteString("magnet", MagnetLink.FromTorrent(torrent).ToString());
        json.WriteStartArray("files");
        foreach (var file in info.Files)
        {
            json.WriteStartObject();
            json.WriteString("path", file.Path);
            json.WriteNumber("length", file.Length);
            json.WriteNumber("offset", file.Offset);
            if (file.IsPadding) json.WriteBoolean("padding", true);
            if (!file.PiecesRoot.IsEmpty) json.WriteString("piecesRoot", Convert.ToHexStringLower(file.PiecesRoot.Span));
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
        json.Flush();
        output.WriteByte((byte)'\n');
    }

    public static void Write(Stream output, MagnetLink link)
    {
        using var json = new Utf8JsonWriter(output, Options);
        json.WriteStartObject();
        json.WriteString("kind", "magnet");
        json.WriteString("infoHash", link.InfoHash.ToHex());
        Hashes(json, link.InfoHashes);
        NullableString(json, "name", link.DisplayName);
        if (link.ExactLength is { } length) json.WriteNumber("totalLength", length);
        else json.WriteNull("totalLength");
        StringArray(json, "trackers", link.Trackers);
        StringArray(json, "peers", link.Peers.Select(MagnetLink.FormatPeer));
        StringArray(json, "webSeeds", link.WebSeeds);
        json.WriteString("magnet", link.ToString());
        json.WriteEndObject();
        json.Flush();
        output.WriteByte((byte)'\n');
    }

    /// <summary>"infoHash" stays the 20-byte hash used on the wire; these name each version's full hash (null when absent).</summary>
    private static void Hashes(Utf8JsonWriter json, InfoHashes hashes)
    {
        NullableString(json, "infoHashV1", hashes.V1?.ToHex());
        NullableString(json, "infoHashV2", hashes.V2?.ToHex());
        json.WriteString("format", hashes.IsHybrid ? "hybrid" : hashes.HasV2 ? "v2" : "v1");
    }

    private static void StringArray(Utf8JsonWriter json, string? name, IEnumerable<string> values)
    {
        if (name is null) json.WriteStartArray();
        else json.WriteStartArray(name);
        foreach (var value in values) json.WriteStringValue(value);
        json.WriteEndArray();
    }

    private static void NullableString(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null) json.WriteNull(name);
        else json.WriteString(name, value);
    }
}
