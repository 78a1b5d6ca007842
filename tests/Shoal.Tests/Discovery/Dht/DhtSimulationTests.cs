using Shoal.Tests.Support.Dht;

namespace Shoal.Tests.Discovery.Dht;

/// <summary>
/// A small, seeded version of the harness's dht-sim (bench/Shoal.Harness: dht-sim): 1,000 Shoal nodes on an in-memory
/// network in simulated time, 20% behind NATs, 10% slow, 1% loss. Lookups must find the closest reachable node nearly
/// always, most of the true 8 closest, with a number of queries in line with log2(N).
/// </summary>
public sealed class DhtSimulationTests(ITestOutputHelper output)
{
    [Fact]
    public void Lookups_in_a_hostile_thousand_node_network_converge_on_the_closest_nodes()
    {
        var report = DhtSimulation.Run(new DhtSimulationSettings { Nodes = 1000, Lookups = 100, Seed = 42 });
        output.WriteLine(report.ToString());

        Assert.True(report.SuccessRate >= 0.95, $"only {report.SuccessRate:P0} of lookups found the closest node");
        Assert.True(report.MeanClosestFound >= 7, $"lookups found {report.MeanClosestFound:0.0} of the 8 closest on average");
        Assert.True(report.MeanQueries <= 6 * report.Log2Nodes, $"{report.MeanQueries:0.0} queries per lookup");
        Assert.True(report.P95Duration < TimeSpan.FromSeconds(10), $"95th percentile lookup took {report.P95Duration}");
    }
}
