using System.Text.Json;

namespace Shoal.Daemon.Rpc.Methods;

/// <summary>
/// torrent-get: the requested <c>fields</c> of the torrents named by <c>ids</c>, as objects or (<c>format: "table"</c>) as
/// rows under a header row of the field names. Unknown field names are ignored, as Transmission does. With
/// <c>ids: "recently-active"</c> the answer also lists the ids removed in the last minute.
/// </summary>
internal static class TorrentGetMethod
{
    public static void Register(IDictionary<string, RpcHandler> methods) => methods["torrent-get"] = GetAsync;

    private static Task GetAsync(RpcCall call)
    {
        var requested = call.Arguments.StringList("fields") ?? throw new RpcException("no fields specified");
        var fields = requested.Where(TorrentFields.IsSupported).Distinct(StringComparer.Ordinal).ToArray();
        bool table = call.Arguments.String("format") == "table";
        var torrents = call.Torrents();
        var output = call.Output;
        if (TorrentIds.IsRecentlyActive(call.Arguments))
        {
            output.WriteStartArray("removed");
            foreach (int id in call.Host.RemovedSince(call.Host.Time.GetUtcNow() - TorrentIds.RecentlyActiveWindow)) output.WriteNumberValue(id);
            output.WriteEndArray();
        }
        output.WriteStartArray("torrents");
        if (table)
        {
            output.WriteStartArray();
            foreach (var field in fields) output.WriteStringValue(field);
            output.WriteEndArray();
        }
        foreach (var torrent in torrents)
        {
            var context = new TorrentFields.Context(torrent);
            if (table) output.WriteStartArray();
            else output.WriteStartObject();
            foreach (var field in fields)
            {
                if (!table) output.WritePropertyName(field);
                TorrentFields.Write(output, field, context);
            }
            if (table) output.WriteEndArray();
            else output.WriteEndObject();
        }
        output.WriteEndArray();
        return Task.CompletedTask;
    }

    /// <summary>The fields torrent-add answers with (for the added torrent or the duplicate).</summary>
    public static void WriteBrief(Utf8JsonWriter output, string property, IHostedTorrent torrent)
    {
        var context = new TorrentFields.Context(torrent);
        output.WriteStartObject(property);
        foreach (var field in (string[])["id", "name", "hashString"])
        {
            output.WritePropertyName(field);
            TorrentFields.Write(output, field, context);
        }
        output.WriteEndObject();
    }
}
