using System.Diagnostics;
using System.Net;
using Shoal.Discovery.Dht;

namespace Shoal.Tests.Support.Dht;

/// <summary>What to simulate: network size, its hostility, and how many lookups to measure.</summary>
public sealed record DhtSimulationSettings
{
    public int Nodes { get; init; } = 1000;

    public int Lookups { get; init; } = 200;

    public int Seed { get; init; } = 1;

    /// <summary>Share of nodes behind a NAT: they query and answer, but nobody can reach them first.</summary>
    public double Unreachable { get; init; } = 0.2;

    /// <summary>Share of nodes that answer 0.8 to 2.5 s late.</summary>
    public double Slow { get; init; } = 0.1;

    /// <summary>Share of datagrams lost.</summary>
    public double Loss { get; init; } = 0.01;

    /// <summary>Simulated time between two nodes joining.</summary>
    public TimeSpan JoinInterval { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Simulated time after the last join before lookups are measured.</summary>
    public TimeSpan Settle { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Existing nodes each new node bootstraps from.</summary>
    public int BootstrapContacts { get; init; } = 3;
}

/// <summary>The figures of one simulation run.</summary>
public sealed record DhtSimulationReport(
    int Nodes,
    int Lookups,
    double SuccessRate,
    double MeanClosestFound,
    double MeanQueries,
    double P95Queries,
    TimeSpan MedianConverged,
    TimeSpan P95Converged,
    TimeSpan MedianDuration,
    TimeSpan P95Duration,
    double MeanTableSize,
    long Datagrams,
    TimeSpan SimulatedTime,
    TimeSpan WallTime,
    long HeapBytes)
{
    /// <summary>log2(N): the Kademlia bound on hops grows with it; queries per lookup should grow no faster.</summary>
    public double Log2Nodes => Math.Log2(Nodes);
}

/// <summary>
/// A whole DHT in one process: <see cref="DhtSimulationSettings.Nodes"/> Shoal nodes on an
/// <see cref="InMemoryDatagramNetwork"/> driven by <see cref="SimulatedTime"/>, joining one after another (each
/// bootstrapping from a few earlier reachable nodes), then find_node lookups from random nodes toward random targets.
/// A lookup succeeds when its result holds the reachable node truly closest to the target; "closest found" is how many
/// of the true 8 closest reachable nodes it returned. Deterministic for a given seed.
/// </summary>
public static class DhtSimulation
{
    public static DhtSimulationReport Run(DhtSimulationSettings settings, TextWriter? progress = null)
    {
        var wall = Stopwatch.StartNew();
        long heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var time = new SimulatedTime();
        var random = new Random(settings.Seed);
        var network = new InMemoryDatagramNetwork(time, new Random(settings.Seed + 1), settings.Loss);
        var options = new DhtOptions { BootstrapNodes = [] }; // never the public routers
        var nodes = new List<SimulatedNode>(settings.Nodes);
        var reachable = new List<int>();

        for (int i = 0; i < settings.Nodes; i++)
        {
            var conditions = new LinkConditions
            {
                Latency = TimeSpan.FromMilliseconds(5 + random.Next(95)),
                BehindNat = random.NextDouble() < settings.Unreachable,
                SendDelay = random.NextDouble() < settings.Slow ? TimeSpan.FromMilliseconds(800 + random.Next(1700)) : TimeSpan.Zero,
            };
            var port = network.AddPort(new IPEndPoint(AddressOf(i), 6881), conditions);
            var node = DhtNode.Start(port, options, time, new Random(settings.Seed * 1_000_003 + i));
            if (reachable.Count > 0)
            {
                var contacts = Enumerable.Range(0, settings.BootstrapContacts)
                    .Select(_ => nodes[reachable[random.Next(reachable.Count)]].Port.LocalEndPoint).Distinct().ToList();
                _ = node.BootstrapAsync(contacts);
            }
            nodes.Add(new SimulatedNode(node, port, !conditions.BehindNat));
            if (!conditions.BehindNat) reachable.Add(i);
            time.Advance(settings.JoinInterval);
            if (progress is not null && (i + 1) % 10_000 == 0) progress.WriteLine($"  {i + 1} nodes joined ({wall.Elapsed.TotalSeconds:0}s)");
        }
        time.Advance(settings.Settle);
        long heapAfter = GC.GetTotalMemory(forceFullCollection: true);

        var lookups = new List<(Task<DhtLookupResult> Task, NodeId[] Truth)>(settings.Lookups);
        var reachableIds = reachable.Select(i => (Index: i, Id: nodes[i].Node.Id)).ToArray();
        for (int j = 0; j < settings.Lookups; j++)
        {
            int origin = random.Next(nodes.Count);
            var target = NodeId.Random(random);
            var truth = Closest(reachableIds.Where(r => r.Index != origin).Select(r => r.Id), target, ClosestCount);
            lookups.Add((nodes[origin].Node.FindNodeAsync(target), truth));
            time.Advance(TimeSpan.FromMilliseconds(50));
        }
        time.RunWhile(() => lookups.Any(l => !l.Task.IsCompleted), TimeSpan.FromMinutes(10));

        var results = lookups.Where(l => l.Task.IsCompletedSuccessfully).Select(l => (Result: l.Task.Result, l.Truth)).ToList();
        int successes = results.Count(r => r.Result.Closest.Any(c => c.Id == r.Truth[0]));
        var found = results.Select(r => r.Result.Closest.Count(c => r.Truth.Contains(c.Id))).ToList();
        var queries = results.Select(r => (double)r.Result.QueriesSent).Order().ToList();
        var durations = results.Select(r => r.Result.Duration).Order().ToList();
        var converged = results.Select(r => r.Result.ConvergedAfter).Order().ToList();
        double tableSize = nodes.Average(n => n.Node.GetStats().Nodes);
        var report = new DhtSimulationReport(settings.Nodes, settings.Lookups, (double)successes / settings.Lookups,
            found.Count > 0 ? found.Average() : 0, queries.Count > 0 ? queries.Average() : 0, Percentile(queries, 0.95),
            Percentile(converged, 0.5), Percentile(converged, 0.95), Percentile(durations, 0.5), Percentile(durations, 0.95),
            tableSize, network.Sent, time.Elapsed, wall.Elapsed, heapAfter - heapBefore);
        foreach (var n in nodes) _ = n.Node.DisposeAsync();
        GC.KeepAlive(nodes);
        return report;
    }

    private const int ClosestCount = 8;

    /// <summary>10.x.y.z: a private address, so BEP 42 leaves the random ids alone (nothing here is ever sent anywhere).</summary>
    private static IPAddress AddressOf(int index) => new([10, (byte)(index >> 16), (byte)(index >> 8), (byte)index]);

    /// <summary>The <paramref name="count"/> ids closest to <paramref name="target"/>, closest first, in one pass.</summary>
    private static NodeId[] Closest(IEnumerable<NodeId> ids, NodeId target, int count)
    {
        var best = new List<NodeId>(count + 1);
        foreach (var id in ids)
        {
            int at = best.Count;
            while (at > 0 && NodeId.CompareDistance(target, id, best[at - 1]) < 0) at--;
            if (at >= count) continue;
            best.Insert(at, id);
            if (best.Count > count) best.RemoveAt(count);
        }
        return [.. best];
    }

    private static T Percentile<T>(List<T> sorted, double p) where T : struct =>
        sorted.Count == 0 ? default : sorted[(int)Math.Min(sorted.Count - 1, sorted.Count * p)];

    private sealed record SimulatedNode(DhtNode Node, InMemoryDatagramPort Port, bool Reachable);
}
