using System.Net;
using Shoal.Discovery.Dht;
using Shoal.Metainfo;
using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;
using Shoal.Transport;

namespace Shoal.EndToEnd.Tests.Discovery;

/// <summary>
/// Shoal's DHT against libtorrent's, both on 127.0.0.1 (libtorrent via lt_dht.py, set up per INTEROP.md "DHT on
/// loopback"): they find each other, each finds the peers the other announced, and lookups converge in a mixed table.
/// Every node is bootstrapped from the others only; nothing reaches beyond loopback.
/// </summary>
[Trait("Category", "Interop")]
public sealed class DhtInteropTests
{
    private static readonly InfoHash Torrent = InfoHash.Parse("5f5e5d5c5b5a59585756555453525150494847ab");
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Loopback nodes all share 127.0.0.1, so the per-address query limit is lifted; no default routers, ever.</summary>
    private static readonly DhtOptions Loopback = new() { BootstrapNodes = [], QueriesPerSecondPerAddress = 10_000, QueryBurstPerAddress = 10_000 };

    [Fact]
    public async Task Shoal_and_libtorrent_nodes_ping_and_find_each_other()
    {
        ReferencePrograms.RequireLibtorrent();
        using var dir = new TempDirectory("dht-lt-pair");
        await using var libtorrent = await LibtorrentDhtNode.StartAsync(dir.Combine("lt"), cancellationToken: Ct);
        await using var shoal = ShoalNode.Start(1);

        // Shoal → libtorrent: find_node, answered, libtorrent enters Shoal's table under its own id.
        var bootstrap = await shoal.Node.BootstrapAsync([libtorrent.EndPoint], Ct).WaitAsync(Patience, Ct);
        Assert.True(bootstrap.Responses >= 1, libtorrent.Describe());
        Assert.Contains(shoal.Node.GetRoutingTableNodes(), n => n.EndPoint.Equals(libtorrent.EndPoint) && n.Id.ToString() == libtorrent.Id);

        // libtorrent → Shoal: libtorrent pings us, we answer, and we are in its routing table.
        await libtorrent.AddNodeAsync(shoal.EndPoint);
        await WaitForLiveNodeAsync(libtorrent, shoal);
        var stats = shoal.Node.GetStats();
        Assert.True(stats.PingsAnswered + stats.FindNodesAnswered + stats.GetPeersAnswered >= 1, $"{stats}");
    }

    [Fact]
    public async Task Shoal_get_peers_finds_a_peer_libtorrent_announced()
    {
        ReferencePrograms.RequireLibtorrent();
        using var dir = new TempDirectory("dht-lt-announce");
        await using var first = await LibtorrentDhtNode.StartAsync(dir.Combine("lt1"), cancellationToken: Ct);
        await using var second = await LibtorrentDhtNode.StartAsync(dir.Combine("lt2"), [first.EndPoint], Ct);
        await using var seeder = await LibtorrentDhtNode.StartAsync(dir.Combine("lt3"), [first.EndPoint, second.EndPoint], Ct);
        await first.AddNodeAsync(second.EndPoint);
        await first.AddNodeAsync(seeder.EndPoint);
        await second.AddNodeAsync(seeder.EndPoint);

        await seeder.AnnounceAsync(Torrent);
        var expected = new IPEndPoint(IPAddress.Loopback, seeder.EndPoint.Port);
        await first.WaitUntilAsync(() => first.AnnouncesReceived.Concat(second.AnnouncesReceived).Any(a => a.InfoHash == Torrent),
            Patience, "libtorrent's announce to reach the other libtorrent nodes", Ct);

        // A Shoal node that joins afterwards, through one libtorrent node, finds the peer in the others' stores.
        await using var shoal = ShoalNode.Start(2);
        await shoal.Node.BootstrapAsync([first.EndPoint], Ct).WaitAsync(Patience, Ct);
        var found = new List<IPEndPoint>();
        await foreach (var peer in shoal.Node.GetPeersAsync(Torrent, Ct).WithCancellation(Ct)) found.Add(peer);
        Assert.Contains(expected, found);
    }

    [Fact]
    public async Task Libtorrent_get_peers_finds_a_peer_Shoal_announced()
    {
        ReferencePrograms.RequireLibtorrent();
        using var dir = new TempDirectory("dht-shoal-announce");
        await using var first = await LibtorrentDhtNode.StartAsync(dir.Combine("lt1"), cancellationToken: Ct);
        await using var second = await LibtorrentDhtNode.StartAsync(dir.Combine("lt2"), [first.EndPoint], Ct);
        await first.AddNodeAsync(second.EndPoint);
        await using var shoal = ShoalNode.Start(3);
        await shoal.Node.BootstrapAsync([first.EndPoint, second.EndPoint], Ct).WaitAsync(Patience, Ct);

        const int peerPort = 40_123;
        var announce = await shoal.Node.AnnounceAsync(Torrent, peerPort, cancellationToken: Ct).WaitAsync(Patience, Ct);
        Assert.True(announce.AnnouncedTo >= 2, $"only {announce.AnnouncedTo} libtorrent nodes took the announce (tokens)\n{first.Describe()}");
        // libtorrent reports an announce it took as an alert the helper script prints a moment later, not with the reply.
        await first.WaitUntilAsync(() => first.AnnouncesReceived.Concat(second.AnnouncesReceived)
                .Any(a => a.InfoHash == Torrent && a.Peer.Equals(new IPEndPoint(IPAddress.Loopback, peerPort))),
            Patience, "libtorrent to report the announce Shoal sent", Ct);

        await second.GetPeersAsync(Torrent);
        await second.WaitUntilAsync(() => second.PeersFound(Torrent).Contains(new IPEndPoint(IPAddress.Loopback, peerPort)), Patience,
            "libtorrent's get_peers to find the peer Shoal announced", Ct);
    }

    [Fact]
    public async Task Lookups_converge_in_a_mixed_table_of_libtorrent_and_Shoal_nodes()
    {
        ReferencePrograms.RequireLibtorrent();
        using var dir = new TempDirectory("dht-mixed");
        var libtorrent = new List<LibtorrentDhtNode>();
        var shoal = new List<ShoalNode>();
        try
        {
            for (int i = 0; i < 6; i++)
                libtorrent.Add(await LibtorrentDhtNode.StartAsync(dir.Combine($"lt{i}"), libtorrent.Select(l => l.EndPoint), Ct));
            for (int i = 0; i < 6; i++) shoal.Add(ShoalNode.Start(10 + i));
            var everyone = libtorrent.Select(l => l.EndPoint).Concat(shoal.Select(s => s.EndPoint)).ToList();
            foreach (var l in libtorrent)
                foreach (var other in everyone.Where(e => !e.Equals(l.EndPoint))) await l.AddNodeAsync(other);
            // add_node only starts a ping: wait until the libtorrent tables hold the others, or a Shoal node bootstrapping
            // from one may learn nothing yet (then its lookups are checked against a table that is still filling).
            var settled = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            foreach (var l in libtorrent)
                while ((await l.LiveNodesAsync(Ct)).Count < everyone.Count - 1 && DateTime.UtcNow < settled) await Task.Delay(100, Ct);
            // Each Shoal node knows one libtorrent node to begin with: what else it learns comes through lookups.
            for (int i = 0; i < shoal.Count; i++) await shoal[i].Node.BootstrapAsync([libtorrent[i].EndPoint], Ct).WaitAsync(Patience, Ct);

            var ids = libtorrent.Select(l => (Id: NodeId.Parse(l.Id), l.EndPoint)).Concat(shoal.Select(s => (s.Node.Id, s.EndPoint))).ToList();
            var random = new Random(5);
            foreach (var origin in shoal)
            {
                var target = NodeId.Random(random);
                var result = await origin.Node.FindNodeAsync(target, Ct).WaitAsync(Patience, Ct);
                var truth = ids.Where(n => !n.EndPoint.Equals(origin.EndPoint)).OrderBy(n => n.Id ^ target).Take(8).Select(n => n.Id);
                Assert.Equal(truth, result.Closest.Select(c => c.Id));
            }

            // libtorrent's lookups converge through Shoal nodes too: each finds the peer a Shoal node announced.
            const int peerPort = 40_200;
            var announce = await shoal[0].Node.AnnounceAsync(Torrent, peerPort, cancellationToken: Ct).WaitAsync(Patience, Ct);
            Assert.True(announce.AnnouncedTo >= 6, $"announced to {announce.AnnouncedTo}");
            foreach (var l in libtorrent) await l.GetPeersAsync(Torrent);
            foreach (var l in libtorrent)
                await l.WaitUntilAsync(() => l.PeersFound(Torrent).Contains(new IPEndPoint(IPAddress.Loopback, peerPort)), Patience,
                    "every libtorrent node to find the peer a Shoal node announced", Ct);
        }
        finally
        {
            foreach (var s in shoal) await s.DisposeAsync();
            foreach (var l in libtorrent) await l.DisposeAsync();
        }
    }

    private static async Task WaitForLiveNodeAsync(LibtorrentDhtNode libtorrent, ShoalNode shoal)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var nodes = await libtorrent.LiveNodesAsync(Ct);
            if (nodes.Any(n => n.EndPoint.Equals(shoal.EndPoint) && n.Id == shoal.Node.Id.ToString())) return;
            Assert.True(clock.Elapsed < Patience, $"libtorrent's table never held the Shoal node: {string.Join(", ", nodes)}\n{libtorrent.Describe()}");
            await Task.Delay(200, Ct);
        }
    }

    /// <summary>A Shoal DHT node on its own UDP port on 127.0.0.1.</summary>
    private sealed class ShoalNode : IAsyncDisposable
    {
        private readonly UdpDatagramPort _port;

        private ShoalNode(UdpDatagramPort port, DhtNode node)
        {
            _port = port;
            Node = node;
        }

        public DhtNode Node { get; }

        public IPEndPoint EndPoint => _port.LocalEndPoint;

        public static ShoalNode Start(int seed)
        {
            var port = UdpDatagramPort.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            return new ShoalNode(port, DhtNode.Start(port, Loopback, TimeProvider.System, new Random(seed)));
        }

        public async ValueTask DisposeAsync()
        {
            await Node.DisposeAsync();
            await _port.DisposeAsync();
        }
    }
}
