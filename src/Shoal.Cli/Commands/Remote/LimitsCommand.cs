using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Shoal.Cli.Commands.Remote;

/// <summary>
/// <c>shoal limits [--down RATE|off] [--up RATE|off] [--alt-down RATE] [--alt-up RATE] [--alt on|off] [--torrent ID]</c>:
/// shows or sets the daemon's speed limits (or one torrent's with --torrent). Rates as elsewhere: 500K, 10M (binary units).
/// </summary>
internal static class LimitsCommand
{
    public static Command Create()
    {
        var down = new Option<string?>("--down") { Description = "Download cap, e.g. 10M, or 'off'", HelpName = "rate" };
        var up = new Option<string?>("--up") { Description = "Upload cap, e.g. 1M, or 'off'", HelpName = "rate" };
        var altDown = new Option<string?>("--alt-down") { Description = "Alternative (turtle) download cap", HelpName = "rate" };
        var altUp = new Option<string?>("--alt-up") { Description = "Alternative (turtle) upload cap", HelpName = "rate" };
        var alt = new Option<string?>("--alt") { Description = "Use the alternative caps: on or off", HelpName = "on|off" };
        var torrent = new Option<string?>("--torrent") { Description = "Set this torrent's own caps instead (they apply under the daemon's)", HelpName = "id" };
        var url = RemoteOptions.Url();
        var command = new Command("limits", "Show or set the daemon's speed limits, and the alternative (turtle) pair") { down, up, altDown, altUp, alt, torrent, url };
        command.SetAction(async (parse, ct) =>
        {
            using var client = RemoteOptions.Connect(parse, url);
            if (parse.GetValue(torrent) is { } id)
            {
                if (parse.GetValue(altDown) is not null || parse.GetValue(altUp) is not null || parse.GetValue(alt) is not null)
                    throw new UserErrorException("--alt, --alt-down and --alt-up are the daemon's, not a torrent's: leave out --torrent");
                var changes = new JsonObject { ["ids"] = RemoteOptions.IdsNode([id]) ?? throw new UserErrorException("--torrent needs one id, not 'all'") };
                Limit(changes, parse.GetValue(down), "--down", "downloadLimit", "downloadLimited");
                Limit(changes, parse.GetValue(up), "--up", "uploadLimit", "uploadLimited");
                if (changes.Count > 1) await client.CallAsync("torrent-set", changes, ct);
                var answer = await client.CallAsync("torrent-get", new JsonObject
                {
                    ["ids"] = changes["ids"]!.DeepClone(),
                    ["fields"] = new JsonArray("id", "name", "downloadLimit", "downloadLimited", "uploadLimit", "uploadLimited"),
                }, ct);
                if (answer.GetProperty("torrents").GetArrayLength() == 0) throw new UserErrorException($"the daemon has no torrent {id} (see: shoal list)");
                var t = answer.GetProperty("torrents")[0];
                Console.Out.WriteLine($"torrent {t.GetProperty("id").GetInt32()}: down {Show(t, "downloadLimited", "downloadLimit")}, up {Show(t, "uploadLimited", "uploadLimit")}");
                return ExitCodes.Success;
            }
            var session = new JsonObject();
            Limit(session, parse.GetValue(down), "--down", "speed-limit-down", "speed-limit-down-enabled");
            Limit(session, parse.GetValue(up), "--up", "speed-limit-up", "speed-limit-up-enabled");
            if (parse.GetValue(altDown) is { } ad) session["alt-speed-down"] = KiloBytes(ad, "--alt-down");
            if (parse.GetValue(altUp) is { } au) session["alt-speed-up"] = KiloBytes(au, "--alt-up");
            if (parse.GetValue(alt) is { } onOff)
            {
                session["alt-speed-enabled"] = onOff.ToLowerInvariant() switch
                {
                    "on" => true,
                    "off" => false,
                    _ => throw new UserErrorException($"--alt '{onOff}': say on or off"),
                };
            }
            if (session.Count > 0) await client.CallAsync("session-set", session, ct);
            var s = await client.CallAsync("session-get", new JsonObject
            {
                ["fields"] = new JsonArray("speed-limit-down", "speed-limit-down-enabled", "speed-limit-up", "speed-limit-up-enabled", "alt-speed-down",
                    "alt-speed-up", "alt-speed-enabled"),
            }, ct);
            bool altOn = s.GetProperty("alt-speed-enabled").GetBoolean();
            Console.Out.WriteLine($"down {Show(s, "speed-limit-down-enabled", "speed-limit-down")}, up {Show(s, "speed-limit-up-enabled", "speed-limit-up")}" +
                $"{(altOn ? " (not in force: the alternative caps are on)" : "")}");
            Console.Out.WriteLine($"alternative: {(altOn ? "on" : "off")}, down {Kb(s.GetProperty("alt-speed-down").GetInt64())}, up {Kb(s.GetProperty("alt-speed-up").GetInt64())}");
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>A rate option into the RPC's kB/s (1000 bytes) and its "enabled" flag; 'off' or 0 clears the flag.</summary>
    private static void Limit(JsonObject target, string? value, string option, string key, string enabledKey)
    {
        if (value is null) return;
        if (value.Equals("off", StringComparison.OrdinalIgnoreCase) || value == "0")
        {
            target[enabledKey] = false;
            return;
        }
        target[key] = KiloBytes(value, option);
        target[enabledKey] = true;
    }

    private static long KiloBytes(string value, string option)
    {
        long bytes = PeerOptions.ParseRate(value, option);
        return Math.Max(1, (bytes + 999) / 1000);
    }

    private static string Show(JsonElement e, string enabled, string value) =>
        e.GetProperty(enabled).GetBoolean() ? Kb(e.GetProperty(value).GetInt64()) : "unlimited";

    private static string Kb(long kiloBytes) => Output.Rates.Format(kiloBytes * 1000.0);
}
