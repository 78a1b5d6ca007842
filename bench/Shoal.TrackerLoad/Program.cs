using System.Globalization;
using System.Net;
using Shoal.TrackerLoad;

// Tracker load generator (see bench/tracker-vs-opentracker.sh). Only ever targets loopback addresses.
//   preload   --target 127.0.0.1:PORT [--torrents 10000] [--peers 100]     register every synthetic peer over UDP
//   udp       --target 127.0.0.1:PORT [--seconds 10] [--inflight 128] [--connect-each] [--threads 1]
//   http      --target 127.0.0.1:PORT [--seconds 10] [--connections 32] [--no-keepalive]
//   memory    [--torrents 10000] [--peers 100]                             bytes per registered peer, in-process
//   handler   [--torrents 10000] [--peers 100]                             CPU per UDP announce, no network
//   attack    [--announces 5000000] [--swarms 1] [--v6] [--numwant 0]        memory and CPU under a peer-id flood, in-process
//   whitelist [--torrents 10000]                                            info-hashes for opentracker, to stdout
// Results go to stdout as one "RESULT key=value ..." line.
var parsed = Args.Parse(args);
if (parsed.Command is null)
{
    Console.Error.WriteLine("usage: Shoal.TrackerLoad preload|udp|http|memory|handler|attack|whitelist [options]");
    return 2;
}
int torrents = parsed.Int("torrents", 10_000);
int peers = parsed.Int("peers", 100);
IPEndPoint Target()
{
    var target = IPEndPoint.Parse(parsed.String("target") ?? throw new ArgumentException("--target HOST:PORT is required"));
    if (!IPAddress.IsLoopback(target.Address)) throw new ArgumentException("the load generator only targets loopback addresses");
    return target;
}
switch (parsed.Command)
{
    case "preload":
        var loaded = UdpLoad.Preload(Target(), torrents, peers);
        Console.WriteLine(FormattableString.Invariant($"RESULT mode=preload announces={loaded.Requests} seconds={loaded.Seconds:F1} errors={loaded.Errors}"));
        break;
    case "udp":
        var udp = new UdpLoad(Target(), torrents, peers, parsed.Int("inflight", 128), parsed.Flag("connect-each"));
        var u = udp.Run(TimeSpan.FromSeconds(parsed.Int("seconds", 10)), parsed.Int("threads", 1));
        Console.WriteLine(FormattableString.Invariant(
            $"RESULT mode=udp{(parsed.Flag("connect-each") ? "-connect" : "")} announces={u.Requests} seconds={u.Seconds:F2} rate={u.Rate:F0} errors={u.Errors} timeouts={u.Timeouts}"));
        break;
    case "http":
        var keepAlive = !parsed.Flag("no-keepalive");
        var http = await HttpLoad.RunAsync(Target(), torrents, peers, parsed.Int("connections", 32), keepAlive,
            TimeSpan.FromSeconds(parsed.Int("seconds", 10)));
        Console.WriteLine(FormattableString.Invariant(
            $"RESULT mode=http{(keepAlive ? "-keepalive" : "-close")} announces={http.Requests} seconds={http.Seconds:F2} rate={http.Rate:F0} errors={http.Errors}"));
        break;
    case "memory":
        MemoryBench.Run(torrents, peers);
        break;
    case "handler":
        HandlerBench.Run(torrents, peers, parsed.Int("iterations", 2_000_000));
        break;
    case "attack":
        AttackBench.Run(parsed.Int("announces", 5_000_000), parsed.Int("swarms", 1), parsed.Flag("v6"), parsed.Int("numwant", 0), parsed.Int("seed", 1));
        break;
    case "whitelist":
        Console.Write(BenchData.Whitelist(torrents));
        break;
    default:
        Console.Error.WriteLine($"unknown mode {parsed.Command}");
        return 2;
}
return 0;

internal sealed record LoadResult(long Requests, double Seconds, long Errors, long Timeouts = 0)
{
    public double Rate => Seconds > 0 ? Requests / Seconds : 0;
}

internal sealed class Args
{
    private readonly Dictionary<string, string?> _options = [];

    public string? Command { get; private set; }

    public static Args Parse(string[] args)
    {
        var parsed = new Args();
        for (int i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) { parsed.Command ??= args[i]; continue; }
            var name = args[i][2..];
            bool hasValue = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal);
            parsed._options[name] = hasValue ? args[++i] : null;
        }
        return parsed;
    }

    public string? String(string name) => _options.GetValueOrDefault(name);

    public int Int(string name, int fallback) =>
        _options.TryGetValue(name, out var value) && value is not null ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    public bool Flag(string name) => _options.ContainsKey(name);
}
