using Shoal.Daemon.Session;

namespace Shoal.Daemon.Rpc.Methods;

/// <summary>group-set and group-get (RPC 17 bandwidth groups), with Transmission 4.0's names.</summary>
internal static class GroupMethods
{
    public static void Register(IDictionary<string, RpcHandler> methods)
    {
        methods["group-set"] = Set;
        methods["group-get"] = Get;
    }

    /// <summary>Creates the group if needed, then changes the limits given (others are kept).</summary>
    private static Task Set(RpcCall call)
    {
        var a = call.Arguments;
        string name = a.String("name")?.Trim() ?? "";
        if (name.Length == 0) throw new RpcException("No group name given");
        if (name.Length > 256 || name.Any(char.IsControl)) throw new RpcException("invalid group name");
        var group = call.Host.Groups.FirstOrDefault(g => g.Name == name) ?? new BandwidthGroup { Name = name };
        group = group with
        {
            HonorsSessionLimits = a.Bool("honorsSessionLimits") ?? group.HonorsSessionLimits,
            SpeedLimitDown = SessionMethods.Speed(a, "speed-limit-down") ?? group.SpeedLimitDown,
            SpeedLimitDownEnabled = a.Bool("speed-limit-down-enabled") ?? group.SpeedLimitDownEnabled,
            SpeedLimitUp = SessionMethods.Speed(a, "speed-limit-up") ?? group.SpeedLimitUp,
            SpeedLimitUpEnabled = a.Bool("speed-limit-up-enabled") ?? group.SpeedLimitUpEnabled,
        };
        call.Host.SetGroup(group);
        return Task.CompletedTask;
    }

    /// <summary>Every group, or those named by `name` (a string or a list; Transmission 4.0's spec calls it `group`).</summary>
    private static Task Get(RpcCall call)
    {
        var a = call.Arguments;
        string key = a.Has("name") ? "name" : "group";
        HashSet<string>? names = a.String(key) is { } one ? [one] : a.StringList(key) is { } many ? [.. many] : null;
        var w = call.Output;
        w.WriteStartArray("group");
        foreach (var g in call.Host.Groups.Where(g => names is null || names.Contains(g.Name)))
        {
            w.WriteStartObject();
            w.WriteBoolean("honorsSessionLimits", g.HonorsSessionLimits);
            w.WriteString("name", g.Name);
            w.WriteNumber("speed-limit-down", g.SpeedLimitDown);
            w.WriteBoolean("speed-limit-down-enabled", g.SpeedLimitDownEnabled);
            w.WriteNumber("speed-limit-up", g.SpeedLimitUp);
            w.WriteBoolean("speed-limit-up-enabled", g.SpeedLimitUpEnabled);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        return Task.CompletedTask;
    }
}
