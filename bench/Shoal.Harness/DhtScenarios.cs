using System.Net;
using Shoal.Discovery.Dht;
using Shoal.Tests.Support.Dht;

namespace Shoal.Harness;

/// <summary>Memory the DHT needs per routing-table entry and per stored peer, from GC heap deltas.</summary>
public sealed record DhtMemoryReport(int Tables, long TableEntries, double BytesPerTableEntry, int StoredPeersV4, double BytesPerPeerV4,
    int StoredPeersV6, double BytesPerPeerV6);

/// <summary>
/// The DHT's figures: <c>dht-sim</c> runs <see cref="DhtSimulation"/> for growing networks (lookup success, queries per
/// lookup, simulated time to the 8 closest, against log2 N); <c>dht-memory</c> measures heap per table entry and per peer.
/// Both are in-process and send nothing anywhere.
/// </summary>
public static class DhtScenarios
{
    public static List<DhtSimulationReport> Simulate(IEnumerable<int> sizes, DhtSimulationSettings settings, TextWriter output)
    {
        var reports = new List<DhtSimulationReport>();
        foreach (int size in sizes)
        {
            output.WriteLine($"simulating {size:N0} nodes …");
            reports.Add(DhtSimulation.Run(settings with { Nodes = size }, output));
        }
        return reports;
    }

    public static void Print(IReadOnlyList<DhtSimulationReport> reports, DhtSimulationSettings settings, TextWriter output)
    {
        output.WriteLine();
        output.WriteLine($"find_node lookups from random nodes to random targets; {Report.F(settings.Unreachable * 100, "0.#")}% of nodes behind NATs, " +
            $"{Report.F(settings.Slow * 100, "0.#")}% answer 0.8–2.5 s late, {Report.F(settings.Loss * 100, "0.#")}% loss, 5–100 ms one-way latency per host, lookups " +
            $"{settings.Settle.TotalMinutes:0.#} min after the last join; simulated time");
        Report.Table(output,
            ["nodes", "log2 N", "lookups", "found closest", "of true 8", "queries/lookup", "p95 queries", "queries/log2 N",
                "converged median s", "p95 s", "finished median s", "p95 s", "table size", "heap MB/1k nodes", "wall s"],
            reports.Select(r => new[]
            {
                r.Nodes.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), Report.F(r.Log2Nodes, "0.0"),
                r.Lookups.ToString(System.Globalization.CultureInfo.InvariantCulture), Report.F(r.SuccessRate * 100, "0.0") + "%",
                Report.F(r.MeanClosestFound, "0.00"), Report.F(r.MeanQueries, "0.0"), Report.F(r.P95Queries, "0"),
                Report.F(r.MeanQueries / r.Log2Nodes, "0.00"), Report.F(r.MedianConverged.TotalSeconds, "0.00"),
                Report.F(r.P95Converged.TotalSeconds, "0.00"), Report.F(r.MedianDuration.TotalSeconds, "0.00"),
                Report.F(r.P95Duration.TotalSeconds, "0.00"), Report.F(r.MeanTableSize, "0.0"),
                Report.F(r.HeapBytes / 1e6 / (r.Nodes / 1000.0), "0.0"), Report.F(r.WallTime.TotalSeconds, "0"),
            }));
    }

    public static DhtMemoryReport MeasureMemory(int tables = 1000, int infoHashes = 1000, int peersPerInfoHash = 100)
    {
        var random = new Random(7);
        long before = Heap();
        var kept = new List<RoutingTable>(tables);
        for (int t = 0; t < tables; t++)
        {
            var table = new RoutingTable(NodeId.Random(random));
            for (int i = 0; i < 2000; i++)
                table.AddResponding(NodeId.Random(random), new IPEndPoint(new IPAddress(random.Next()), 1 + random.Next(65535)), true, 0, out _);
            kept.Add(table);
        }
        long tableBytes = Heap() - before;
        long entries = kept.Sum(t => (long)t.Count + t.ReplacementCount);
        GC.KeepAlive(kept);
        kept.Clear();

        var (v4Bytes, v4Count) = MeasureStore(infoHashes, peersPerInfoHash, random, v6: false);
        var (v6Bytes, v6Count) = MeasureStore(infoHashes, peersPerInfoHash, random, v6: true);
        return new DhtMemoryReport(tables, entries, (double)tableBytes / entries, v4Count, (double)v4Bytes / v4Count, v6Count,
            (double)v6Bytes / v6Count);
    }

    public static void Print(DhtMemoryReport report, TextWriter output)
    {
        output.WriteLine();
        output.WriteLine($"routing tables: {report.Tables:N0} tables, {report.TableEntries:N0} entries and replacements: " +
            $"{Report.F(report.BytesPerTableEntry, "0")} bytes per entry (bucket lists included)");
        output.WriteLine($"stored peers: {report.StoredPeersV4:N0} IPv4 peers: {Report.F(report.BytesPerPeerV4, "0")} bytes each; " +
            $"{report.StoredPeersV6:N0} IPv6 peers: {Report.F(report.BytesPerPeerV6, "0")} bytes each (per-info-hash overhead included)");
    }

    private static (long Bytes, int Count) MeasureStore(int infoHashes, int peersPerInfoHash, Random random, bool v6)
    {
        long before = Heap();
        var store = new PeerStore(infoHashes, peersPerInfoHash, infoHashes * peersPerInfoHash, long.MaxValue / 4);
        var address = new byte[v6 ? 16 : 4];
        for (int h = 0; h < infoHashes; h++)
        {
            var infoHash = NodeId.Random(random);
            for (int p = 0; p < peersPerInfoHash; p++)
            {
                random.NextBytes(address);
                address[0] = v6 ? (byte)0x20 : (byte)(1 + address[0] % 200);
                store.Announce(infoHash, new IPEndPoint(new IPAddress(address), 1 + random.Next(65535)), 0);
            }
        }
        long bytes = Heap() - before;
        int count = store.PeerCount;
        GC.KeepAlive(store);
        return (bytes, count);
    }

    private static long Heap() => GC.GetTotalMemory(forceFullCollection: true);
}
