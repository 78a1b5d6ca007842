using System.CommandLine;
using System.Globalization;
using System.Net;
using Shoal.Client;
using Shoal.Discovery.Dht;

namespace Shoal.Cli.Commands;

/// <summary>
/// The DHT options of `get`, `seed` and `daemon`: on by default, bootstrapped from the public routers and remembered in
/// a state file, so a restart needs no bootstrap. Never the public routers (nor the user's state file) when bound to a
/// loopback address or when $SHOAL_NO_PUBLIC_DHT is set (tests, benchmarks): then only --dht-bootstrap nodes are asked.
/// </summary>
internal sealed class DhtFlags
{
    /// <summary>Set by the test suite and the benchmarks: the DHT may only reach the nodes it is given.</summary>
    public const string NoPublicVariable = "SHOAL_NO_PUBLIC_DHT";

    public Option<bool> NoDht { get; } = new("--no-dht") { Description = "Do not use the DHT (BEP 5) to find peers" };

    public Option<string[]> Bootstrap { get; } = new("--dht-bootstrap")
    {
        Description = "DHT node to join through, as HOST:PORT (repeatable; replaces the public routers)",
        HelpName = "host:port",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(NoDht);
        command.Options.Add(Bootstrap);
    }

    /// <summary>
    /// The client options with the DHT as asked; <paramref name="stateFile"/> is where its table is kept (the daemon's state
    /// folder; null: the per-user cache, and nothing when the public DHT is out of bounds). With --no-dht the node's options
    /// are still set, for a daemon whose remote turns the DHT on later (session-set dht-enabled).
    /// </summary>
    public ClientOptions Apply(ParseResult parse, ClientOptions options, string? stateFile = null)
    {
        bool off = parse.GetValue(NoDht);
        var given = (parse.GetValue(Bootstrap) ?? []).Select(Validate).ToArray();
        bool publicAllowed = !IPAddress.IsLoopback(options.Engine.ListenAddress) &&
                             Environment.GetEnvironmentVariable(NoPublicVariable) is not ("1" or "true");
        var dht = new DhtOptions
        {
            BootstrapNodes = given.Length > 0 ? given : publicAllowed ? DhtOptions.PublicBootstrapNodes : [],
            StateFile = stateFile ?? (publicAllowed ? DefaultStateFile() : null),
        };
        return off ? options with { EnableDht = false, Dht = dht }
            : options with { EnableDht = true, Dht = dht, Datagrams = options.Datagrams ?? ClientTransports.Udp };
    }

    /// <summary>HOST:PORT or [IPv6]:PORT with a port of 1..65535, else one clear line.</summary>
    public static string Validate(string entry)
    {
        int colon = entry.LastIndexOf(':');
        string host = colon > 0 ? entry[..colon].Trim('[', ']') : "";
        if (host.Length == 0 || !int.TryParse(entry.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) ||
            port is < 1 or > 65535)
            throw new UserErrorException($"--dht-bootstrap '{entry}' is not HOST:PORT");
        return entry;
    }

    /// <summary>$XDG_CACHE_HOME/shoal/dht.state, else ~/.cache/shoal/dht.state.</summary>
    private static string DefaultStateFile()
    {
        var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(cache, "shoal", "dht.state");
    }
}
