using System.Net;
using Shoal.Discovery.Dht;
using Shoal.Tests.Support.Dht;
using Shoal.Transport;

namespace Shoal.Tests.Discovery.Dht;

/// <summary>
/// DhtNodes on an in-memory network in simulated time, plus scripted nodes that send hand-made KRPC and record what
/// comes back. Addresses are 10.0.x.y (never sent anywhere: the network is a dictionary); no node ever gets the
/// default bootstrap routers.
/// </summary>
internal sealed class DhtRig : IAsyncDisposable
{
    private readonly List<DhtNode> _nodes = [];
    private readonly Dictionary<DhtNode, InMemoryDatagramPort> _ports = [];
    private int _next = 1;

    public DhtRig(int seed = 1, double loss = 0)
    {
        Random = new Random(seed);
        Network = new InMemoryDatagramNetwork(Time, new Random(seed + 1), loss);
    }

    public SimulatedTime Time { get; } = new();

    public InMemoryDatagramNetwork Network { get; }

    public Random Random { get; }

    public static DhtOptions Options => new() { BootstrapNodes = [] };

    public IPEndPoint NextEndPoint() => new(new IPAddress([10, 0, (byte)(_next >> 8), (byte)_next++]), 6881);

    public DhtNode AddNode(DhtOptions? options = null, IPEndPoint? at = null, LinkConditions? link = null)
    {
        var port = Network.AddPort(at ?? NextEndPoint(), link);
        var node = DhtNode.Start(port, options ?? Options, Time, new Random(Random.Next()));
        _nodes.Add(node);
        _ports[node] = port;
        return node;
    }

    public InMemoryDatagramPort PortOf(DhtNode node) => _ports[node];

    public IPEndPoint Endpoint(DhtNode node) => _ports[node].LocalEndPoint;

    /// <summary>Stops a node and takes its address off the network (it vanished).</summary>
    public async Task RemoveAsync(DhtNode node)
    {
        await node.DisposeAsync();
        Network.RemovePort(_ports[node]);
        _nodes.Remove(node);
    }

    public ScriptedNode AddScripted(NodeId? id = null, IPEndPoint? at = null) =>
        new(Network.AddPort(at ?? NextEndPoint()), id ?? NodeId.Random(Random));

    /// <summary>A network of <paramref name="count"/> nodes, each joining through a few earlier ones, settled.</summary>
    public List<DhtNode> Build(int count, DhtOptions? options = null)
    {
        var nodes = new List<DhtNode>();
        for (int i = 0; i < count; i++)
        {
            var node = AddNode(options);
            if (nodes.Count > 0) _ = node.BootstrapAsync(Enumerable.Range(0, 3).Select(_ => Endpoint(nodes[Random.Next(nodes.Count)])).Distinct());
            nodes.Add(node);
            Time.Advance(TimeSpan.FromMilliseconds(200));
        }
        Time.Advance(TimeSpan.FromSeconds(30));
        return nodes;
    }

    /// <summary>Runs simulated time until the task completes (at most <paramref name="limit"/> of it) and returns its result.</summary>
    public T Complete<T>(Task<T> task, TimeSpan? limit = null)
    {
        Assert.True(Time.RunWhile(() => !task.IsCompleted, limit ?? TimeSpan.FromMinutes(2)), "the task did not complete in simulated time");
        return task.GetAwaiter().GetResult();
    }

    public void Run(TimeSpan span) => Time.Advance(span);

    /// <summary>
    /// Reads a stream of peers to its end while driving simulated time. Its items arrive through thread-pool
    /// continuations, so when no simulated event is due the test thread waits a moment in real time.
    /// </summary>
    public async Task<List<IPEndPoint>> CollectAsync(IAsyncEnumerable<IPEndPoint> peers, TimeSpan? limit = null)
    {
        var end = Time.Elapsed + (limit ?? TimeSpan.FromMinutes(2));
        var found = new List<IPEndPoint>();
        await using var items = peers.GetAsyncEnumerator();
        while (true)
        {
            var next = items.MoveNextAsync().AsTask();
            while (!next.IsCompleted)
            {
                Assert.True(Time.Elapsed < end, "the peers did not arrive in simulated time");
                Time.Advance(TimeSpan.FromMilliseconds(20));
                await Task.WhenAny(next, Task.Delay(1));
            }
            if (!await next) return found;
            found.Add(items.Current);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes) await node.DisposeAsync();
    }
}

/// <summary>A hand-driven DHT participant: sends exactly the bytes a test writes, records every datagram it gets.</summary>
internal sealed class ScriptedNode : IDatagramHandler
{
    public ScriptedNode(InMemoryDatagramPort port, NodeId id)
    {
        Port = port;
        Id = id;
        port.Register(this);
    }

    public InMemoryDatagramPort Port { get; }

    public NodeId Id { get; set; }

    public IPEndPoint EndPoint => Port.LocalEndPoint;

    /// <summary>Answer ping, find_node and get_peers queries (with no nodes) like a live node.</summary>
    public bool Answers { get; set; }

    public List<(byte[] Bytes, KrpcMessage? Message, IPEndPoint From)> Received { get; } = [];

    public IEnumerable<KrpcMessage> Messages => Received.Where(r => r.Message is not null).Select(r => r.Message!);

    public IEnumerable<KrpcMessage> QueriesReceived => Messages.Where(m => m.Kind == KrpcKind.Query);

    public int Send(KrpcMessage message, IPEndPoint to)
    {
        var bytes = KrpcWriter.ToArray(message);
        Port.Send(bytes, to);
        return bytes.Length;
    }

    public void SendRaw(byte[] bytes, IPEndPoint to) => Port.Send(bytes, to);

    public KrpcMessage Query(KrpcMethod method, NodeId target = default, byte[]? token = null, int port = 0, bool impliedPort = false,
        bool readOnly = false, NodeFamilies want = NodeFamilies.Default, byte[]? transactionId = null) => new()
    {
        Kind = KrpcKind.Query, Method = method, TransactionId = transactionId ?? [0x51, 0x51], Id = Id, Target = target, Token = token,
        Port = port, ImpliedPort = impliedPort, ReadOnly = readOnly, Want = want,
    };

    /// <summary>The replies (responses and errors) received, newest last.</summary>
    public List<(byte[] Bytes, KrpcMessage Message)> Replies() =>
        [.. Received.Where(r => r.Message is { Kind: not KrpcKind.Query }).Select(r => (r.Bytes, r.Message!))];

    public bool TryHandle(ReadOnlySpan<byte> datagram, IPEndPoint from)
    {
        KrpcParser.TryParse(datagram, out var message);
        Received.Add((datagram.ToArray(), message, from));
        if (Answers && message is { Kind: KrpcKind.Query, Method: KrpcMethod.Ping or KrpcMethod.FindNode or KrpcMethod.GetPeers })
            Send(new KrpcMessage { Kind = KrpcKind.Response, TransactionId = message.TransactionId, Id = Id, Nodes = [] }, from);
        return true;
    }
}
