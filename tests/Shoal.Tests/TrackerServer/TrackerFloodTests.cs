using System.Net;
using Microsoft.Extensions.Time.Testing;
using Shoal.Trackers;
using Shoal.TrackerServer;
using Shoal.TrackerServer.Operations;
using Shoal.TrackerServer.Registry;
using Shoal.TrackerServer.Service;
using Shoal.Wire;
using static Shoal.Tests.TrackerServer.TrackerTestData;

namespace Shoal.Tests.TrackerServer;

/// <summary>
/// Issue 10 item 12: announces cannot exhaust the tracker's memory. Peers are capped per source address (IPv4, or an
/// IPv6 /64) within a swarm, per swarm and in total, and the least recently seen make room.
/// </summary>
[Trait("Category", "Hostile")]
[Collection(nameof(MemoryMeasurements))]
public class TrackerFloodTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2025-01-01T00:00:00Z"));
    private readonly PeerSelection _selection = new(200);

    private AnnounceService NewService(TrackerOptions options) =>
        new(options, new SwarmRegistry(options.EffectivePeerTimeout, _time, options.Limits), new TrackerCounters(), _time);

    private static AnnounceInput Input(int peer, IPAddress from, int swarm = 1, int numWant = 0, ushort port = 6881) =>
        new(Hash(swarm), Id(peer), port, 1000, AnnounceEvent.Started, numWant, new AnnounceSource(PeerEndpoint.FromIPAddress(from, 0), SourceTrust.Remote),
            null, TrackerProtocol.Udp);

    private static long ManagedMemory()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    [Fact]
    public void Five_million_announces_with_random_peer_ids_from_one_address_leave_memory_bounded()
    {
        var options = new TrackerOptions(); // defaults, rate limiting off: the flood a rate limit would not stop
        var service = NewService(options);
        var random = new Random(12);
        var id = new byte[PeerId.Length];
        var source = new AnnounceSource(PeerEndpoint.FromAddress([203, 0, 113, 7], 0), SourceTrust.Remote);
        long before = ManagedMemory();
        int refused = 0;
        for (int i = 0; i < 5_000_000; i++)
        {
            random.NextBytes(id);
            var input = new AnnounceInput(Hash(1), PeerId.From(id), 6881, 1000, AnnounceEvent.Started, 0, source, null, TrackerProtocol.Udp);
            if (!service.Announce(in input, _selection).Accepted) refused++;
            if (i % 100_000 == 0) _time.Advance(TimeSpan.FromSeconds(1));
        }
        long growth = ManagedMemory() - before;
        Assert.Equal(0, refused);
        Assert.Equal(options.MaxPeersPerAddress, service.Registry.Totals().Peers);
        // Unbounded, five million peers held about 300 MB; capped, the swarm is a few kilobytes (the bound leaves room for
        // whatever else the test process keeps alive meanwhile).
        Assert.True(growth < 4 * 1024 * 1024, $"the managed heap grew by {growth:N0} bytes");
    }

    [Fact]
    public void A_source_over_its_cap_loses_its_least_recently_seen_peer_and_nobody_elses()
    {
        var service = NewService(new TrackerOptions { MaxPeersPerAddress = 4 });
        var attacker = IPAddress.Parse("203.0.113.7");
        var honest = IPAddress.Parse("198.51.100.1");
        service.Announce(Input(1000, honest), _selection);
        for (int peer = 0; peer < 10; peer++)
        {
            service.Announce(Input(peer, attacker, port: (ushort)(7000 + peer)), _selection);
            _time.Advance(TimeSpan.FromSeconds(1));
        }
        var observer = Input(2000, IPAddress.Parse("192.0.2.1"), numWant: 50);
        service.Announce(in observer, _selection);
        var seen = Endpoints(_selection.Compact4, 6).Select(e => e.ToIPEndPoint()).ToHashSet();
        // The honest peer is still there, and of the attacker's ten only the four most recent.
        var expected = new[] { new IPEndPoint(honest, 6881) }.Concat(Enumerable.Range(7006, 4).Select(port => new IPEndPoint(attacker, port)));
        Assert.Equal(expected.ToHashSet(), seen);
        Assert.Equal(6, service.Registry.Scrape(Hash(1)).Leechers);
    }

    [Fact]
    public void Addresses_in_one_ipv6_64_are_one_source()
    {
        var service = NewService(new TrackerOptions { MaxPeersPerAddress = 3 });
        for (int peer = 0; peer < 20; peer++)
            service.Announce(Input(peer, IPAddress.Parse($"2001:db8:0:7::{peer + 1:x}")), _selection);
        service.Announce(Input(100, IPAddress.Parse("2001:db8:0:8::1")), _selection); // another /64
        Assert.Equal(4, service.Registry.Scrape(Hash(1)).Leechers);
    }

    [Fact]
    public void A_full_swarm_drops_its_least_recently_seen_peers()
    {
        var service = NewService(new TrackerOptions { MaxPeersPerSwarm = 160, MaxPeersPerAddress = 1 });
        for (int peer = 0; peer < 400; peer++)
        {
            service.Announce(Input(peer, Address(peer)), _selection);
            _time.Advance(TimeSpan.FromSeconds(1));
            Assert.True(service.Registry.Scrape(Hash(1)).Leechers <= 160);
        }
        // Room is made a sixteenth at a time, oldest first: the newest 150 are all there, the oldest 240 are gone.
        service.Announce(Input(9999, Address(9999), numWant: 200), _selection);
        var held = Endpoints(_selection.Compact4, 6).Select(e => e.ToIPAddress()).ToHashSet();
        Assert.All(Enumerable.Range(250, 150), peer => Assert.Contains(Address(peer), held));
        Assert.All(Enumerable.Range(0, 240), peer => Assert.DoesNotContain(Address(peer), held));
    }

    [Fact]
    public void A_full_registry_drops_its_least_recently_seen_peers_across_swarms()
    {
        var service = NewService(new TrackerOptions { MaxPeers = 320, MaxPeersPerAddress = 1 });
        for (int peer = 0; peer < 1000; peer++)
        {
            Assert.True(service.Announce(Input(peer, Address(peer), swarm: peer % 7), _selection).Accepted);
            _time.Advance(TimeSpan.FromSeconds(1));
            Assert.True(service.Registry.PeerCount <= 320);
        }
        Assert.Equal(service.Registry.Totals().Peers, service.Registry.PeerCount);
        // The survivors are the most recent announcers, whatever their swarm.
        var held = new HashSet<IPAddress>();
        for (int swarm = 0; swarm < 7; swarm++)
        {
            service.Announce(Input(5000 + swarm, IPAddress.Parse($"192.0.2.{swarm + 1}"), swarm, numWant: 200), _selection);
            foreach (var endpoint in Endpoints(_selection.Compact4, 6)) held.Add(endpoint.ToIPAddress());
        }
        Assert.All(Enumerable.Range(1000 - 290, 290), peer => Assert.Contains(Address(peer), held));
        Assert.All(Enumerable.Range(0, 600), peer => Assert.DoesNotContain(Address(peer), held));
    }

    [Fact]
    public void Rate_limiting_keys_ipv6_clients_on_their_64()
    {
        var limiter = new IpRateLimiter(perSecond: 0.001, burst: 3, _time);
        Span<byte> address = stackalloc byte[16];
        IPAddress.Parse("2001:db8:0:7::1").TryWriteBytes(address, out _);
        for (int i = 0; i < 3; i++)
        {
            address[15] = (byte)(i + 1); // a fresh address in the same /64 each time
            Assert.True(limiter.TryAcquire(address));
        }
        address[15] = 0x99;
        Assert.False(limiter.TryAcquire(address));
        IPAddress.Parse("2001:db8:0:8::1").TryWriteBytes(address, out _);
        Assert.True(limiter.TryAcquire(address)); // another /64 has its own budget
    }

    [Fact]
    public void A_restored_database_keeps_to_the_same_caps()
    {
        var wide = NewService(new TrackerOptions { MaxPeersPerAddress = 0 });
        for (int peer = 0; peer < 50; peer++)
        {
            wide.Announce(Input(peer, IPAddress.Parse("203.0.113.7")), _selection);
            wide.Announce(Input(100 + peer, Address(100 + peer), swarm: 2), _selection);
            _time.Advance(TimeSpan.FromSeconds(1));
        }
        var capped = new SwarmRegistry(TimeSpan.FromMinutes(45), _time, new SwarmLimits(MaxPeers: 30, MaxPeersPerSource: 8));
        capped.Restore(wide.Registry.Snapshot(Hash(1)));
        capped.Restore(wide.Registry.Snapshot(Hash(2)));
        Assert.Equal(8, capped.Scrape(Hash(1)).Leechers);
        Assert.Equal(22, capped.Scrape(Hash(2)).Leechers);
        Assert.Equal(30, capped.PeerCount);
        // The newest were kept: the last announcer of each swarm is there.
        capped.Announce(new PeerAnnounce(Hash(2), Id(9999), V4(9999), AnnounceEvent.None, false, 200), _selection);
        Assert.Contains(PeerEndpoint.FromIPAddress(Address(149), 6881), Endpoints(_selection.Compact4, 6));
    }

    private static IPAddress Address(int n) => new([198, 18, (byte)(n >> 8), (byte)n]);
}

/// <summary>Tests that measure the process's managed heap run alone: other tests' allocations would blur the figure.</summary>
[CollectionDefinition(nameof(MemoryMeasurements), DisableParallelization = true)]
public sealed class MemoryMeasurements;
