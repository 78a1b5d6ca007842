using System.Text.Json;
using Shoal.Swarm;

namespace Shoal.Cli.Output;

/// <summary>Where the connected peers came from (tracker, DHT, PEX, LSD, incoming, by hand), for the progress lines.</summary>
internal static class PeerSources
{
    private static readonly (PeerSource Source, string Name)[] Names =
    [
        (PeerSource.Tracker, "tracker"), (PeerSource.Dht, "dht"), (PeerSource.PeerExchange, "pex"),
        (PeerSource.LocalDiscovery, "lsd"), (PeerSource.Incoming, "incoming"), (PeerSource.Manual, "manual"),
    ];

    private static int Count(TorrentStatus s, PeerSource source) =>
        s.Peers.Count(p => (p.Incoming && p.Source is null ? PeerSource.Incoming : p.Source ?? PeerSource.Manual) == source);

    /// <summary>"tracker 3, dht 2" (sources with no peer left out); empty with no peers.</summary>
    public static string Summary(TorrentStatus s) =>
        string.Join(", ", Names.Select(n => (n.Name, Count: Count(s, n.Source))).Where(n => n.Count > 0).Select(n => $"{n.Name} {n.Count}"));

    /// <summary>"peers_from": {"tracker": 3, "dht": 2, ...} (every source, zeros included, so scripts need no defaults).</summary>
    public static void Write(Utf8JsonWriter json, TorrentStatus s)
    {
        json.WriteStartObject("peers_from");
        foreach (var (source, name) in Names) json.WriteNumber(name, Count(s, source));
        json.WriteEndObject();
    }
}
