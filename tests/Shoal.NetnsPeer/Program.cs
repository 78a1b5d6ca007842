using System.Globalization;
using System.Net;
using System.Text.Json;
using Shoal.Client;
using Shoal.Metainfo;
using Shoal.Swarm;

// A Shoal peer for the LSD tests, which run it inside network namespaces they create (never on the host's network):
//   seed --info FILE --dir DIR --bind IP      seeds the torrent whose raw info dictionary is in FILE, data under DIR
//   get  --info FILE --dir DIR --bind IP      downloads it into DIR
//   get  --info-hash HEX --dir DIR --bind IP  downloads a magnet link (metadata from peers found by LSD)
// LSD is on, bound to the interface holding IP; there is no tracker and no peer given. One JSON object per line on
// stdout: ready {port, interfaces}, lsd_peer {info_hash, endpoint} (a neighbour announced the torrent), metadata {info_hash},
// peer {endpoint, source} (each new connected peer, as far as a 50 ms poll sees),
// complete {bytes}, error {message}. Exits when stdin closes.
return await NetnsPeer.RunAsync(args);

internal static class NetnsPeer
{
    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            var mode = args.Length > 0 ? args[0] : throw new ArgumentException("usage: seed|get --info FILE|--info-hash HEX --dir DIR --bind IP");
            string? infoFile = Option(args, "--info"), hashText = Option(args, "--info-hash");
            var dir = Option(args, "--dir") ?? throw new ArgumentException("--dir is required");
            var bind = IPAddress.Parse(Option(args, "--bind") ?? throw new ArgumentException("--bind is required"));
            await using var client = await ShoalClient.StartAsync(new ClientOptions
            {
                Engine = new EngineSettings { ListenAddress = bind },
                EnableLsd = true,
            });
            client.Lsd!.PeerDiscovered += (hash, peer) => Emit("lsd_peer", new { info_hash = hash.ToHex(), endpoint = peer.ToString() });
            Emit("ready", new { port = client.ListenPort, interfaces = client.Lsd!.Interfaces.Select(i => $"{i.Name}/{i.Address}").ToArray() });
            var stdinClosed = Task.Run(() => Console.In.ReadToEnd());

            ManagedTorrent torrent;
            if (infoFile is not null)
            {
                var info = TorrentInfo.Parse(await File.ReadAllBytesAsync(infoFile));
                torrent = await client.AddAsync(info, [], dir);
                if (mode == "seed" && !torrent.Session.IsComplete) throw new InvalidOperationException("the data to seed is incomplete");
            }
            else
            {
                var hash = InfoHash.Parse(hashText ?? throw new ArgumentException("--info or --info-hash is required"));
                var fetch = client.AddMagnetAsync(hash, [], [], dir);
                if (await Task.WhenAny(fetch, stdinClosed) != fetch) return 0;
                torrent = await fetch;
                Emit("metadata", new { info_hash = torrent.Info.InfoHash.ToHex() });
            }
            _ = ReportPeersAsync(torrent);
            if (await Task.WhenAny(torrent.Completion, stdinClosed) == torrent.Completion)
            {
                await torrent.Completion;
                Emit("complete", new { bytes = torrent.Info.TotalLength });
            }
            await stdinClosed;
            return 0;
        }
        catch (Exception ex)
        {
            Emit("error", new { message = ex.ToString() });
            return 2;
        }
    }

    /// <summary>Says which peers got connected and where their addresses came from (LSD, incoming ...).</summary>
    private static async Task ReportPeersAsync(ManagedTorrent torrent)
    {
        var seen = new HashSet<string>();
        while (true)
        {
            foreach (var peer in torrent.Status.Peers)
                if (seen.Add($"{peer.EndPoint} {peer.Source}")) Emit("peer", new { endpoint = peer.EndPoint.ToString(), source = peer.Source?.ToString() });
            await Task.Delay(50);
        }
    }

    private static string? Option(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static readonly Lock OutputSync = new();

    private static void Emit(string name, object fields)
    {
        var line = JsonSerializer.Serialize(fields);
        lock (OutputSync)
        {
            Console.Out.WriteLine("{\"event\":\"" + name + "\"," + line[1..]);
            Console.Out.Flush();
        }
    }
}
