using System.Globalization;
using System.Net;
using System.Text.Json;
using Shoal.Metainfo;

namespace Shoal.Tests.Support.Reference;

/// <summary>
/// A libtorrent-rasterbar 2.0 DHT node on 127.0.0.1 (lt_dht.py run by Debian's python3, set up per INTEROP.md "DHT on
/// loopback"), for interop with Shoal's DHT. It reports its node id, the peers its get_peers searches find, the
/// announces it receives and its routing table.
/// </summary>
public sealed class LibtorrentDhtNode : IAsyncDisposable
{
    private readonly TaskCompletionSource<int> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string> _nodeId = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Dictionary<InfoHash, HashSet<IPEndPoint>> _peers = [];
    private readonly List<(InfoHash InfoHash, IPEndPoint Peer)> _announcesReceived = [];
    private ReferenceProcess? _process;
    private volatile IReadOnlyList<(string Id, IPEndPoint EndPoint)>? _liveNodes;
    private int _liveNodesVersion;

    private LibtorrentDhtNode() { }

    /// <summary>The node's UDP endpoint (libtorrent's DHT shares its listen port).</summary>
    public IPEndPoint EndPoint => new(IPAddress.Loopback, _listening.Task.Result);

    /// <summary>Our node id, lower-case hex.</summary>
    public string Id => _nodeId.Task.Result;

    private ReferenceProcess Process => _process ?? throw new InvalidOperationException("not started");

    public static async Task<LibtorrentDhtNode> StartAsync(string saveDirectory, IEnumerable<IPEndPoint>? nodes = null,
        CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(saveDirectory);
        List<string> arguments = [ReferenceExecutables.LibtorrentDhtScript, "--port", FreePort.Next().ToString(CultureInfo.InvariantCulture),
            "--save", saveDirectory];
        foreach (var node in nodes ?? []) arguments.AddRange(["--node", node.ToString()]);
        var dht = new LibtorrentDhtNode();
        dht._process = ReferenceProcess.Start("libtorrent dht", ReferenceExecutables.DebianPython, arguments, dht.OnLine, keepStdinOpen: true);
        try
        {
            await Waits.UntilAsync(Task.WhenAll(dht._listening.Task, dht._nodeId.Task), dht.Process, TimeSpan.FromSeconds(30),
                cancellationToken, "libtorrent's DHT to listen");
            return dht;
        }
        catch
        {
            await dht.DisposeAsync();
            throw;
        }
    }

    /// <summary>libtorrent pings the node; it joins libtorrent's routing table if it answers.</summary>
    public Task AddNodeAsync(IPEndPoint node) => Process.WriteLineAsync($"add_node {node}");

    /// <summary>Starts a dht_get_peers search; what it finds accumulates in <see cref="PeersFound"/>.</summary>
    public Task GetPeersAsync(InfoHash infoHash) => Process.WriteLineAsync($"get_peers {infoHash.ToHex()}");

    /// <summary>Has libtorrent announce itself (its listen port) for this info-hash, as a seeder of it would.</summary>
    public Task AnnounceAsync(InfoHash infoHash) => Process.WriteLineAsync($"announce {infoHash.ToHex()}");

    public IReadOnlyCollection<IPEndPoint> PeersFound(InfoHash infoHash)
    {
        lock (_peers) return _peers.TryGetValue(infoHash, out var set) ? [.. set] : [];
    }

    public IReadOnlyList<(InfoHash InfoHash, IPEndPoint Peer)> AnnouncesReceived
    {
        get { lock (_announcesReceived) return [.. _announcesReceived]; }
    }

    /// <summary>Asks for libtorrent's routing table and waits for the answer.</summary>
    public async Task<IReadOnlyList<(string Id, IPEndPoint EndPoint)>> LiveNodesAsync(CancellationToken cancellationToken = default)
    {
        int before = Volatile.Read(ref _liveNodesVersion);
        await Process.WriteLineAsync("live_nodes");
        await Waits.PollAsync(() => Volatile.Read(ref _liveNodesVersion) != before, Failure, TimeSpan.FromSeconds(10), cancellationToken,
            "libtorrent's routing table", Describe);
        return _liveNodes!;
    }

    /// <summary>Polls until <paramref name="condition"/> holds, failing with libtorrent's output if it exits or time runs out.</summary>
    public Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what, CancellationToken cancellationToken = default) =>
        Waits.PollAsync(condition, Failure, timeout, cancellationToken, what, Describe, TimeSpan.FromMilliseconds(50));

    public string Describe() => _process?.Describe() ?? "libtorrent dht (not started)";

    public ValueTask DisposeAsync() => _process?.DisposeAsync() ?? ValueTask.CompletedTask;

    private string? Failure() => Process.HasExited ? $"libtorrent exited with {Process.ExitCode}" : null;

    private void OnLine(string line)
    {
        if (!line.StartsWith('{')) return;
        try
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            switch (root.GetProperty("event").GetString())
            {
                case "listening":
                    _listening.TrySetResult(root.GetProperty("port").GetInt32());
                    break;
                case "node_id":
                    _nodeId.TrySetResult(root.GetProperty("id").GetString()!);
                    break;
                case "peers":
                    var infoHash = InfoHash.Parse(root.GetProperty("info_hash").GetString()!);
                    lock (_peers)
                    {
                        if (!_peers.TryGetValue(infoHash, out var set)) _peers[infoHash] = set = [];
                        foreach (var peer in root.GetProperty("peers").EnumerateArray()) set.Add(IPEndPoint.Parse(peer.GetString()!));
                    }
                    break;
                case "announce_received":
                    var received = (InfoHash.Parse(root.GetProperty("info_hash").GetString()!),
                        new IPEndPoint(IPAddress.Parse(root.GetProperty("ip").GetString()!), root.GetProperty("port").GetInt32()));
                    lock (_announcesReceived) _announcesReceived.Add(received);
                    break;
                case "live_nodes":
                    _liveNodes = [.. root.GetProperty("nodes").EnumerateArray()
                        .Select(n => (n.GetProperty("id").GetString()!, IPEndPoint.Parse(n.GetProperty("endpoint").GetString()!)))];
                    Interlocked.Increment(ref _liveNodesVersion);
                    break;
                case "error":
                    if (root.GetProperty("fatal").GetBoolean())
                    {
                        var error = new ReferencePeerException($"libtorrent failed: {root.GetProperty("message").GetString()}");
                        _listening.TrySetException(error);
                        _nodeId.TrySetException(error);
                    }
                    break;
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            // A surprising line is logged with the rest of the output; it never crashes the test.
        }
    }
}
