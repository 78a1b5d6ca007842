using System.Net;
using Shoal.Discovery.Dht;

namespace Shoal.Tests.Discovery.Dht;

/// <summary>The BEP 5 routing-table rules, one by one.</summary>
public sealed class RoutingTableTests
{
    private static readonly long Minute = 60_000;
    private static readonly NodeId Self = NodeId.Parse("0000000000000000000000000000000000000000");

    private static int _port = 1;

    private static IPEndPoint NextEndPoint() => new(IPAddress.Parse("10.0.0.1"), Interlocked.Increment(ref _port));

    /// <summary>An id sharing exactly <paramref name="prefix"/> leading bits with <see cref="Self"/> (all zeros).</summary>
    private static NodeId IdAt(int prefix, int salt)
    {
        var bytes = new byte[20];
        bytes[prefix / 8] |= (byte)(0x80 >> (prefix % 8));
        bytes[19] ^= (byte)salt;
        bytes[18] ^= (byte)(salt >> 8);
        if (prefix >= 144) bytes[10] = (byte)salt; // keep ids distinct without touching the prefix
        return new NodeId(bytes);
    }

    private static AddOutcome Add(RoutingTable table, NodeId id, long now = 0, IPEndPoint? at = null, bool conforming = true) =>
        table.AddResponding(id, at ?? NextEndPoint(), conforming, now, out _);

    [Fact]
    public void An_empty_table_is_one_bucket_and_takes_eight_nodes()
    {
        var table = new RoutingTable(Self);
        for (int i = 0; i < RoutingTable.K; i++) Assert.Equal(AddOutcome.Added, Add(table, IdAt(0, i)));
        Assert.Equal(1, table.BucketCount);
        Assert.Equal(8, table.Count);
    }

    [Fact]
    public void Only_the_bucket_holding_our_own_id_splits()
    {
        var table = new RoutingTable(Self);
        for (int i = 0; i < RoutingTable.K; i++) Add(table, IdAt(0, i)); // the far half (first bit differs)
        Assert.Equal(AddOutcome.Added, Add(table, IdAt(1, 0))); // a ninth: the only bucket splits, it lands in ours
        Assert.Equal(2, table.BucketCount);
        Assert.Equal(8, table.Buckets[0].Nodes.Count);

        // The far bucket is full and does not hold our id: another far node waits as a replacement, nothing splits.
        Assert.Equal(AddOutcome.Cached, Add(table, IdAt(0, 100)));
        Assert.Equal(2, table.BucketCount);
        Assert.Equal(9, table.Count);
        Assert.Equal(1, table.ReplacementCount);

        // Our own bucket keeps splitting as nodes closer to us arrive.
        for (int i = 1; i < RoutingTable.K; i++) Add(table, IdAt(1, i));
        Assert.Equal(AddOutcome.Added, Add(table, IdAt(2, 0)));
        Assert.Equal(3, table.BucketCount);
    }

    [Fact]
    public void A_bucket_index_is_the_shared_prefix_length_capped_at_the_last_bucket()
    {
        var table = new RoutingTable(Self);
        for (int i = 0; i < RoutingTable.K; i++) Add(table, IdAt(0, i));
        Add(table, IdAt(1, 0));
        Assert.Equal(0, table.BucketIndexOf(IdAt(0, 77)));
        Assert.Equal(1, table.BucketIndexOf(IdAt(1, 77)));
        Assert.Equal(1, table.BucketIndexOf(IdAt(120, 77)));
    }

    [Fact]
    public void A_full_bucket_names_its_least_recently_seen_questionable_node_to_ping_and_a_node_that_fails_twice_is_replaced()
    {
        var table = new RoutingTable(Self);
        for (int i = 0; i < RoutingTable.K; i++) Add(table, IdAt(0, i), now: i); // different "last seen"
        Add(table, IdAt(1, 0)); // split: bucket 0 is now a far bucket that cannot split

        long later = 20 * Minute; // everything in bucket 0 has been silent for 15 minutes: questionable
        Assert.Equal(AddOutcome.Cached, table.AddResponding(IdAt(0, 50), NextEndPoint(), true, later, out var toPing));
        Assert.Equal(IdAt(0, 0), toPing!.Id); // seen first, so least recently

        table.RecordFailure(toPing, later);
        Assert.Equal(ContactState.Questionable, toPing.State(later));
        Assert.Contains(toPing, table.Buckets[0].Nodes); // one failure: tried once more before it goes
        table.RecordFailure(toPing, later);
        Assert.Equal(ContactState.Bad, toPing.State(later));
        Assert.DoesNotContain(toPing, table.Buckets[0].Nodes);
        Assert.Contains(table.Buckets[0].Nodes, c => c.Id == IdAt(0, 50));
        Assert.Null(table.Find(toPing.EndPoint));
    }

    [Fact]
    public void A_full_bucket_of_good_nodes_keeps_them_and_caches_the_newcomer()
    {
        var table = new RoutingTable(Self);
        for (int i = 0; i < RoutingTable.K; i++) Add(table, IdAt(0, i), now: 5 * Minute);
        Add(table, IdAt(1, 0), now: 5 * Minute);
        Assert.Equal(AddOutcome.Cached, table.AddResponding(IdAt(0, 60), NextEndPoint(), true, 6 * Minute, out var toPing));
        Assert.Null(toPing); // all good: nobody to ping, nobody replaced
        Assert.All(table.Buckets[0].Nodes, c => Assert.Equal(ContactState.Good, c.State(6 * Minute)));
    }

    [Fact]
    public void A_bad_node_is_replaced_at_once_by_a_node_that_answers()
    {
        var table = new RoutingTable(Self);
        var endPoints = Enumerable.Range(0, RoutingTable.K).Select(_ => NextEndPoint()).ToList();
        for (int i = 0; i < RoutingTable.K; i++) Add(table, IdAt(0, i), at: endPoints[i]);
        Add(table, IdAt(1, 0));
        var silent = table.Find(endPoints[3])!;
        table.RecordFailure(silent, 0);
        table.RecordFailure(silent, 0);
        Assert.Equal(AddOutcome.Added, Add(table, IdAt(0, 70)));
        Assert.Null(table.Find(endPoints[3]));
    }

    [Fact]
    public void Nodes_are_good_for_15_minutes_after_answering_then_questionable()
    {
        var contact = new DhtContact(IdAt(0, 1), NextEndPoint(), true) { LastResponse = 0 };
        Assert.Equal(ContactState.Good, contact.State(15 * Minute));
        Assert.Equal(ContactState.Questionable, contact.State(15 * Minute + 1));
        contact.LastQueryFrom = 20 * Minute; // it queried us: still alive
        Assert.Equal(ContactState.Good, contact.State(30 * Minute));
        Assert.Equal(ContactState.Questionable, new DhtContact(IdAt(0, 2), NextEndPoint(), true) { LastQueryFrom = 0 }.State(0));
    }

    [Fact]
    public void An_id_known_at_one_address_claimed_from_another_is_refused()
    {
        var table = new RoutingTable(Self);
        var original = NextEndPoint();
        Add(table, IdAt(3, 1), at: original);
        Assert.Equal(AddOutcome.Rejected, Add(table, IdAt(3, 1)));
        Assert.Equal(original, table.Buckets.SelectMany(b => b.Nodes).Single().EndPoint);
        Assert.Equal(AddOutcome.Rejected, Add(table, Self));
    }

    [Fact]
    public void A_conforming_node_takes_the_place_of_a_questionable_non_conforming_one()
    {
        var table = new RoutingTable(Self);
        for (int i = 0; i < RoutingTable.K; i++) Add(table, IdAt(0, i), now: 0, conforming: i != 5);
        Add(table, IdAt(1, 0));
        long later = 20 * Minute;
        Assert.Equal(AddOutcome.Added, table.AddResponding(IdAt(0, 80), NextEndPoint(), true, later, out _));
        Assert.DoesNotContain(table.Buckets[0].Nodes, c => !c.Conforming);
        // A non-conforming newcomer gets no such favour.
        Assert.Equal(AddOutcome.Cached, table.AddResponding(IdAt(0, 81), NextEndPoint(), false, later, out _));
    }

    [Fact]
    public void Closest_returns_nodes_by_xor_distance_and_leaves_out_bad_ones()
    {
        var table = new RoutingTable(NodeId.Random(new Random(3)));
        var random = new Random(4);
        for (int i = 0; i < 300; i++) Add(table, NodeId.Random(random));
        var target = NodeId.Random(random);
        var closest = new List<DhtContact>();
        table.Closest(target, 8, closest, 0);
        Assert.Equal(8, closest.Count);
        var expected = table.Buckets.SelectMany(b => b.Nodes).OrderBy(c => c.Id ^ target).Take(8);
        Assert.Equal(expected, closest);

        table.RecordFailure(closest[0], 0);
        table.RecordFailure(closest[0], 0);
        var again = new List<DhtContact>();
        table.Closest(target, 8, again, 0);
        Assert.DoesNotContain(closest[0], again);
    }

    [Fact]
    public void The_table_never_holds_more_than_k_per_bucket_and_k_replacements_per_bucket()
    {
        var table = new RoutingTable(NodeId.Random(new Random(5)));
        var random = new Random(6);
        for (int i = 0; i < 20_000; i++) Add(table, NodeId.Random(random));
        Assert.All(table.Buckets, b => Assert.InRange(b.Nodes.Count, 0, RoutingTable.K));
        Assert.All(table.Buckets, b => Assert.InRange(b.Replacements.Count, 0, RoutingTable.K));
        Assert.InRange(table.BucketCount, 10, 20); // log2(20000/8) ≈ 11 buckets
    }

    [Fact]
    public void Rebuilding_around_a_new_id_keeps_the_contacts_that_fit()
    {
        var table = new RoutingTable(Self);
        var random = new Random(8);
        for (int i = 0; i < 100; i++) Add(table, NodeId.Random(random));
        int before = table.Count;
        var rebuilt = RoutingTable.Rebuild(table, NodeId.Random(random), 0);
        Assert.InRange(rebuilt.Count, before / 2, before + table.ReplacementCount);
        Assert.All(rebuilt.Buckets.SelectMany(b => b.Nodes), c => Assert.Same(c, rebuilt.Find(c.EndPoint)));
    }

    [Fact]
    public void A_refresh_target_falls_in_its_bucket()
    {
        var table = new RoutingTable(NodeId.Random(new Random(9)));
        var random = new Random(10);
        for (int i = 0; i < 2000; i++) Add(table, NodeId.Random(random));
        for (int b = 0; b < table.BucketCount; b++) Assert.Equal(b, table.BucketIndexOf(table.RandomIdIn(b, random)));
    }
}
