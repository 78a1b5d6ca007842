using System.CommandLine;
using System.Text.Json.Nodes;

namespace Shoal.Cli.Commands.Remote;

/// <summary><c>shoal start|stop|verify|remove ID…</c>: one action on torrents of the daemon.</summary>
internal static class TorrentActionCommands
{
    public static IEnumerable<Command> Create() =>
    [
        Action("start", "Start torrents of the daemon (queued if the download queue is full; --now skips the queue)", "torrent-start"),
        Action("stop", "Stop torrents of the daemon", "torrent-stop"),
        Action("verify", "Hash the data of torrents of the daemon again", "torrent-verify"),
        Remove(),
    ];

    private static Command Action(string name, string description, string method)
    {
        var ids = RemoteOptions.Ids();
        var url = RemoteOptions.Url();
        var command = new Command(name, description) { ids, url };
        var now = new Option<bool>("--now") { Description = "Start at once, whatever the queue" };
        if (name == "start") command.Options.Add(now);
        command.SetAction(async (parse, ct) =>
        {
            using var client = RemoteOptions.Connect(parse, url);
            var args = WithIds(parse.GetValue(ids)!);
            await client.CallAsync(name == "start" && parse.GetValue(now) ? "torrent-start-now" : method, args, ct);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Remove()
    {
        var ids = RemoteOptions.Ids();
        var deleteData = new Option<bool>("--delete-data") { Description = "Also delete the downloaded files" };
        var url = RemoteOptions.Url();
        var command = new Command("remove", "Remove torrents from the daemon (their files stay unless --delete-data)") { ids, deleteData, url };
        command.SetAction(async (parse, ct) =>
        {
            using var client = RemoteOptions.Connect(parse, url);
            var args = WithIds(parse.GetValue(ids)!);
            if (parse.GetValue(deleteData)) args["delete-local-data"] = true;
            await client.CallAsync("torrent-remove", args, ct);
            return ExitCodes.Success;
        });
        return command;
    }

    internal static JsonObject WithIds(IEnumerable<string> tokens)
    {
        var args = new JsonObject();
        if (RemoteOptions.IdsNode(tokens) is { } ids) args["ids"] = ids;
        return args;
    }
}
