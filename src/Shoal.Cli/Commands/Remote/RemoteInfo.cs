using Shoal.Storage;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Shoal.Cli.Output;
using Shoal.Daemon.Remote;

namespace Shoal.Cli.Commands.Remote;

/// <summary><c>shoal info ID</c>: one torrent of the daemon in detail (the .torrent/magnet form of info is <see cref="InfoCommand"/>).</summary>
internal static class RemoteInfo
{
    private static readonly string[] Fields =
    [
        "id", "name", "hashString", "status", "error", "errorString", "isFinished", "percentDone", "haveValid", "sizeWhenDone", "totalSize",
        "leftUntilDone", "downloadDir", "uploadedEver", "downloadedEver", "corruptEver", "uploadRatio", "rateDownload", "rateUpload", "eta",
        "peersConnected", "peersSendingToUs", "peersGettingFromUs", "addedDate", "doneDate", "activityDate", "labels", "magnetLink", "pieceCount",
        "pieceSize", "isPrivate", "comment", "creator", "trackerStats", "queuePosition", "recheckProgress", "metadataPercentComplete", "file-count",
    ];

    public static async Task<int> ShowAsync(TransmissionRpcClient client, string id, bool json, CancellationToken ct)
    {
        var ids = RemoteOptions.IdsNode([id])!;
        var answer = await client.CallAsync("torrent-get", new JsonObject { ["ids"] = ids, ["fields"] = new JsonArray([.. Fields.Select(f => (JsonNode)f)]) }, ct);
        var torrents = answer.GetProperty("torrents");
        if (torrents.GetArrayLength() == 0) throw new UserErrorException($"the daemon has no torrent {id} (see: shoal list)");
        var t = torrents[0];
        if (json)
        {
            Console.Out.WriteLine(t.GetRawText());
            return ExitCodes.Success;
        }
        var o = Console.Out;
        Field(o, "id", t.GetProperty("id").GetInt32().ToString(CultureInfo.InvariantCulture));
        Field(o, "name", TerminalText.Safe(t.GetProperty("name").GetString()));
        Field(o, "info-hash", t.GetProperty("hashString").GetString()!);
        Field(o, "state", ListCommand.Status(t) + (t.GetProperty("error").GetInt32() != 0 ? $" — error: {TerminalText.Safe(t.GetProperty("errorString").GetString())}" : ""));
        Field(o, "location", TerminalText.Safe(t.GetProperty("downloadDir").GetString()));
        long size = t.GetProperty("totalSize").GetInt64();
        Field(o, "progress", size == 0 ? "metadata not received yet"
            : string.Create(CultureInfo.InvariantCulture, $"{t.GetProperty("percentDone").GetDouble():P1}: {ByteSize.Format(t.GetProperty("haveValid").GetInt64())} of {ByteSize.Format(size)} in {t.GetProperty("file-count").GetInt32():N0} files"));
        Field(o, "transfer", $"down {Rates.Format(t.GetProperty("rateDownload").GetInt64())}, up {Rates.Format(t.GetProperty("rateUpload").GetInt64())}; " +
            $"peers {t.GetProperty("peersConnected").GetInt32()} ({t.GetProperty("peersSendingToUs").GetInt32()} sending, {t.GetProperty("peersGettingFromUs").GetInt32()} receiving)");
        Field(o, "totals", $"downloaded {ByteSize.Format(t.GetProperty("downloadedEver").GetInt64())}, uploaded {ByteSize.Format(t.GetProperty("uploadedEver").GetInt64())}, " +
            $"ratio {ListCommand.Ratio(t.GetProperty("uploadRatio").GetDouble())}, discarded {ByteSize.Format(t.GetProperty("corruptEver").GetInt64())}");
        if (t.GetProperty("pieceCount").GetInt32() > 0)
            Field(o, "pieces", string.Create(CultureInfo.InvariantCulture, $"{t.GetProperty("pieceCount").GetInt32():N0} × {ByteSize.Format(t.GetProperty("pieceSize").GetInt64())}{(t.GetProperty("isPrivate").GetBoolean() ? ", private" : "")}"));
        Field(o, "queue", t.GetProperty("queuePosition").GetInt32().ToString(CultureInfo.InvariantCulture));
        Date(o, "added", t.GetProperty("addedDate").GetInt64());
        Date(o, "completed", t.GetProperty("doneDate").GetInt64());
        Date(o, "active", t.GetProperty("activityDate").GetInt64());
        var labels = t.GetProperty("labels").EnumerateArray().Select(l => TerminalText.Safe(l.GetString())).ToList();
        if (labels.Count > 0) Field(o, "labels", string.Join(", ", labels));
        if (t.GetProperty("comment").GetString() is { Length: > 0 } comment) Field(o, "comment", TerminalText.Safe(comment));
        if (t.GetProperty("creator").GetString() is { Length: > 0 } creator) Field(o, "created by", TerminalText.Safe(creator));
        foreach (var (tracker, i) in t.GetProperty("trackerStats").EnumerateArray().Select((x, i) => (x, i)))
        {
            string result = tracker.GetProperty("lastAnnounceResult").GetString() is { Length: > 0 } r ? r : "not announced yet";
            Field(o, i == 0 ? "trackers" : "", $"{TerminalText.Safe(tracker.GetProperty("announce").GetString())} (tier {tracker.GetProperty("tier").GetInt32() + 1}): {TerminalText.Safe(result)}" +
                (tracker.GetProperty("seederCount").GetInt32() >= 0 ? $", {tracker.GetProperty("seederCount").GetInt32()} seeders, {tracker.GetProperty("leecherCount").GetInt32()} leechers" : ""));
        }
        Field(o, "magnet", t.GetProperty("magnetLink").GetString()!);
        return ExitCodes.Success;
    }

    private static void Date(TextWriter output, string label, long unix)
    {
        if (unix > 0) Field(output, label, DateTimeOffset.FromUnixTimeSeconds(unix).ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
    }

    private static void Field(TextWriter output, string label, string value) => output.WriteLine($"{label,-11} {value}");
}
