using Shoal.Storage;
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Shoal.Cli.Output;

namespace Shoal.Cli.Commands.Remote;

/// <summary><c>shoal list</c>: the daemon's torrents, one line each.</summary>
internal static class ListCommand
{
    private static readonly string[] Fields =
    [
        "id", "name", "status", "error", "errorString", "isFinished", "percentDone", "sizeWhenDone", "leftUntilDone", "eta",
        "rateDownload", "rateUpload", "uploadRatio", "peersConnected", "recheckProgress", "metadataPercentComplete", "labels",
    ];

    public static Command Create()
    {
        var label = new Option<string?>("--label") { Description = "Only torrents with this label", HelpName = "label" };
        var json = new Option<bool>("--json") { Description = "The daemon's answer as JSON (torrent-get with the listed fields)" };
        var url = RemoteOptions.Url();
        var command = new Command("list", "List the daemon's torrents") { label, json, url };
        command.SetAction(async (parse, ct) =>
        {
            using var client = RemoteOptions.Connect(parse, url);
            var answer = await client.CallAsync("torrent-get", new JsonObject { ["fields"] = new JsonArray([.. Fields.Select(f => (JsonNode)f)]) }, ct);
            var torrents = answer.GetProperty("torrents").EnumerateArray()
                .Where(t => parse.GetValue(label) is not { } l || t.GetProperty("labels").EnumerateArray().Any(x => x.GetString() == l)).ToList();
            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(torrents));
                return ExitCodes.Success;
            }
            Console.Out.WriteLine($"{"ID",4}  {"Done",5}  {"Size",10}  {"ETA",7}  {"Down",11}  {"Up",11}  {"Ratio",5}  {"Peers",5}  {"Status",-13}  Name");
            foreach (var t in torrents)
            {
                bool error = t.GetProperty("error").GetInt32() != 0;
                var labels = string.Join(", ", t.GetProperty("labels").EnumerateArray().Select(l => TerminalText.Safe(l.GetString())));
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{t.GetProperty("id").GetInt32(),4}{(error ? '*' : ' ')} {t.GetProperty("percentDone").GetDouble(),5:P0}  " +
                    $"{ByteSize.Format(t.GetProperty("sizeWhenDone").GetInt64()),10}  {Eta(t),7}  " +
                    $"{Rates.Format(t.GetProperty("rateDownload").GetInt64()),11}  {Rates.Format(t.GetProperty("rateUpload").GetInt64()),11}  " +
                    $"{Ratio(t.GetProperty("uploadRatio").GetDouble()),5}  {t.GetProperty("peersConnected").GetInt32(),5}  {Status(t),-13}  " +
                    $"{TerminalText.Safe(t.GetProperty("name").GetString())}{(labels.Length > 0 ? $"  [{labels}]" : "")}"));
            }
            foreach (var t in torrents.Where(t => t.GetProperty("error").GetInt32() != 0))
                Console.Out.WriteLine($"  * {t.GetProperty("id").GetInt32()}: {TerminalText.Safe(t.GetProperty("errorString").GetString())}");
            Console.Out.WriteLine($"{torrents.Count} torrent{(torrents.Count == 1 ? "" : "s")}, " +
                $"down {Rates.Format(torrents.Sum(t => t.GetProperty("rateDownload").GetInt64()))}, up {Rates.Format(torrents.Sum(t => t.GetProperty("rateUpload").GetInt64()))}");
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The RPC status number in words (Transmission's 0–6), with the check and metadata progress where they apply.</summary>
    internal static string Status(JsonElement t) => t.GetProperty("status").GetInt32() switch
    {
        0 => t.GetProperty("isFinished").GetBoolean() ? "Finished" : "Stopped",
        1 => "Queued check",
        2 => string.Create(CultureInfo.InvariantCulture, $"Checking {t.GetProperty("recheckProgress").GetDouble():P0}"),
        3 => "Queued",
        4 => t.TryGetProperty("metadataPercentComplete", out var m) && m.GetDouble() < 1 ? "Metadata" : "Downloading",
        5 => "Queued seed",
        6 => "Seeding",
        var other => other.ToString(CultureInfo.InvariantCulture),
    };

    private static string Eta(JsonElement t)
    {
        long eta = t.GetProperty("eta").GetInt64();
        if (t.GetProperty("leftUntilDone").GetInt64() == 0 && t.GetProperty("sizeWhenDone").GetInt64() > 0) return "Done";
        return eta >= 0 ? Rates.Duration(TimeSpan.FromSeconds(eta)) : "--";
    }

    internal static string Ratio(double ratio) => ratio switch
    {
        -2 => "Inf",
        < 0 => "None",
        _ => ratio.ToString("0.00", CultureInfo.InvariantCulture),
    };
}
