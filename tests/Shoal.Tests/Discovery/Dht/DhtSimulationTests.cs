using Shoal.Tests.Support.Dht;

namespace Shoal.Tests.Discovery.Dht;

/// <summary>
/// A small, seeded version of the harness's <c>dht-sim</c>: 1,000 Shoal nodes on an in-memory network in simulated
/// time, 20% behind NATs, 10% slow, 1% loss (see bench/README.md). Lookups must find the closest reachable node nearly
/// always and most of the true 8 closest, with a number of queries in line with log2 N and within seconds.
/// </summary>
public sealed class DhtSimulationTests(ITestOutputHelper output)
{
    [Fact]
    public void Lookups_in_a_hostile_thousand_node_network_converge_on_the_closest_nodes()
    {
        var report = DhtSimulation.Run(new DhtSimulationSettings { Nodes = 1000, Lookups = 100, Seed = 42 });
        output.WriteLine(report.ToString());

        Assert.True(report.SuccessRate >= 0.9, $"only {report.SuccessRate:P0} of lookups found the closest node");
        Assert.True(report.MeanClosestFound >= 7.2, $"lookups found {report.MeanClosestFound:0.0} of the 8 closest on average");
        Assert.True(report.MeanQueries <= 3 * report.Log2Nodes, $"{report.MeanQueries:0.0} queries per lookup, log2 N = {report.Log2Nodes:0.0}");
        Assert.True(report.MedianConverged < TimeSpan.FromSeconds(5), $"half the lookups took more than {report.MedianConverged} to converge");
        Assert.True(report.MeanTableSize >= 16, $"routing tables hold only {report.MeanTableSize:0.0} nodes");
    }

    [Fact]
    public void The_same_seed_gives_the_same_figures()
    {
        var settings = new DhtSimulationSettings { Nodes = 100, Lookups = 10, Seed = 7 };
        var first = DhtSimulation.Run(settings);
        var second = DhtSimulation.Run(settings);
        Assert.Equal((first.SuccessRate, first.MeanQueries, first.MedianConverged, first.Datagrams),
            (second.SuccessRate, second.MeanQueries, second.MedianConverged, second.Datagrams));
    }
}
