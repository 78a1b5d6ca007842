using Shoal.Storage;
using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Shoal.Cli.Output;

namespace Shoal.Cli.Commands.Remote;

/// <summary><c>shoal files ID [--want LIST] [--skip LIST] [--high|--normal|--low LIST]</c>: a torrent's files, and which to fetch.</summary>
internal static class FilesCommand
{
    public static Command Create()
    {
        var id = new Argument<string>("id") { Description = "Torrent id (from shoal list) or info-hash" };
        var want = new Option<string?>("--want") { Description = "Fetch these files (numbers as listed: 0,2,5-7, or 'all')", HelpName = "list" };
        var skip = new Option<string?>("--skip") { Description = "Do not fetch these files", HelpName = "list" };
        var high = new Option<string?>("--high") { Description = "High priority for these files", HelpName = "list" };
        var normal = new Option<string?>("--normal") { Description = "Normal priority for these files", HelpName = "list" };
        var low = new Option<string?>("--low") { Description = "Low priority for these files", HelpName = "list" };
        var url = RemoteOptions.Url();
        var command = new Command("files", "List a torrent's files in the daemon, and choose which to fetch") { id, want, skip, high, normal, low, url };
        command.SetAction(async (parse, ct) =>
        {
            using var client = RemoteOptions.Connect(parse, url);
            var ids = RemoteOptions.IdsNode([parse.GetValue(id)!]) ?? throw new UserErrorException("give one torrent id, not 'all'");
            var changes = new JsonObject { ["ids"] = ids };
            AddList(changes, "files-wanted", parse.GetValue(want), "--want");
            AddList(changes, "files-unwanted", parse.GetValue(skip), "--skip");
            AddList(changes, "priority-high", parse.GetValue(high), "--high");
            AddList(changes, "priority-normal", parse.GetValue(normal), "--normal");
            AddList(changes, "priority-low", parse.GetValue(low), "--low");
            if (changes.Count > 1) await client.CallAsync("torrent-set", changes, ct);
            var answer = await client.CallAsync("torrent-get", new JsonObject { ["ids"] = ids.DeepClone(), ["fields"] = new JsonArray("name", "files", "fileStats") }, ct);
            var torrents = answer.GetProperty("torrents");
            if (torrents.GetArrayLength() == 0) throw new UserErrorException($"the daemon has no torrent {parse.GetValue(id)} (see: shoal list)");
            var t = torrents[0];
            var files = t.GetProperty("files");
            var stats = t.GetProperty("fileStats");
            if (files.GetArrayLength() == 0)
            {
                Console.Out.WriteLine($"{TerminalText.Safe(t.GetProperty("name").GetString())}: no file list yet (a magnet link waiting for its metadata)");
                return ExitCodes.Success;
            }
            Console.Out.WriteLine($"{"#",4}  {"Done",5}  {"Priority",-8}  {"Get",-3}  {"Size",10}  Name");
            for (int i = 0; i < files.GetArrayLength(); i++)
            {
                var file = files[i];
                var stat = stats[i];
                long length = file.GetProperty("length").GetInt64();
                double done = length == 0 ? 1 : (double)file.GetProperty("bytesCompleted").GetInt64() / length;
                string priority = stat.GetProperty("priority").GetInt32() switch { 1 => "High", -1 => "Low", _ => "Normal" };
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{i,4}  {done,5:P0}  {priority,-8}  {(stat.GetProperty("wanted").GetBoolean() ? "Yes" : "No"),-3}  {ByteSize.Format(length),10}  {TerminalText.Safe(file.GetProperty("name").GetString())}"));
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private static void AddList(JsonObject changes, string key, string? text, string option)
    {
        if (text is null) return;
        changes[key] = text.Equals("all", StringComparison.OrdinalIgnoreCase)
            ? new JsonArray() // an empty list means every file
            : new JsonArray([.. RemoteOptions.IndexList(text, option).Select(i => (JsonNode)i)]);
    }
}
