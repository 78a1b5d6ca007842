using System.Text.Json;
using Shoal.Swarm;

namespace Shoal.Cli.Output;

/// <summary>Where the connected peers came from (tracker, DHT, PEX, LSD, incoming, by hand), and the working web seeds, for the progress lines.</summary>
internal static class PeerSources
{
    private static readonly (PeerSource Source, string Name)[] Names =
    [
        (PeerSource.Tracker, "tracker"), (PeerSource.Dht, "dht"), (PeerSource.PeerExchange, "pex"),
        (PeerSource.LocalDiscovery, "lsd"), (PeerSource.Incoming, "incoming"), (PeerSource.Manual, "manual"),
    ];

    private static int Count(TorrentStatus s, PeerSource source) =>
        s.Peers.Count(p => (p.Incoming && p.Source is null ? PeerSource.Incoming : p.Source ?? PeerSource.Manual) == source);

    /// <summary>Web seeds neither banned nor resting after an error.</summary>
    public static int WorkingWebSeeds(TorrentStatus s) => s.WebSeeds.Count(w => w.IsWorking);

    /// <summary>True when there is something to summarise: a peer or a working web seed.</summary>
    public static bool Any(TorrentStatus s) => s.Peers.Count > 0 || WorkingWebSeeds(s) > 0;

    /// <summary>"tracker 3, dht 2, web 1" (sources with no peer left out); empty with no peers and no web seed.</summary>
    public static string Summary(TorrentStatus s) =>
        string.Join(", ", Names.Select(n => (n.Name, Count: Count(s, n.Source))).Append((Name: "web", Count: WorkingWebSeeds(s)))
            .Where(n => n.Count > 0).Select(n => $"{n.Name} {n.Count}"));

    /// <summary>"peers_from": {"tracker": 3, "dht": 2, ...} (every source, zeros included, so scripts need no defaults).</summary>
    public static void Write(Utf8JsonWriter json, TorrentStatus s)
    {
        json.WriteStartObject("peers_from");
        foreach (var (source, name) in Names) json.WriteNumber(name, Count(s, source));
        json.WriteNumber("web", WorkingWebSeeds(s));
        json.WriteEndObject();
    }

    /// <summary>"web_seeds": [{"url", "downloaded", "download_rate", "state", "error"}] — every web seed, banned and resting ones too.</summary>
    public static void WriteWebSeeds(Utf8JsonWriter json, TorrentStatus s)
    {
        json.WriteStartArray("web_seeds");
        foreach (var w in s.WebSeeds)
        {
            json.WriteStartObject();
            json.WriteString("url", TerminalText.Safe(w.Url.ToString()));
            json.WriteNumber("downloaded", w.Downloaded);
            json.WriteNumber("download_rate", Math.Round(w.DownloadRate));
            json.WriteString("state", State(w));
            if (w.LastError is { } error) json.WriteString("error", TerminalText.Safe(error));
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    /// <summary>banned, resting (after an error), fetching or idle.</summary>
    public static string State(WebSeedStatus w) => w.IsBanned ? "banned" : w.RetryAt is not null ? "resting" : w.IsFetching ? "fetching" : "idle";
}
