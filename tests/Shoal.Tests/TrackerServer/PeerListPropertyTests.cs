using CsCheck;
using Shoal.TrackerServer.Registry;
using static Shoal.Tests.TrackerServer.TrackerTestData;

namespace Shoal.Tests.TrackerServer;

/// <summary>The packed peer list (partition + optional index) against a plain dictionary model, under random operations.</summary>
public class PeerListPropertyTests
{
    private enum Op { UpsertLeecher, UpsertSeeder, Remove, Expire, Trim }

    [Fact]
    public void Behaves_like_a_dictionary_of_peers()
    {
        var genOp = Gen.Select(Gen.Enum<Op>(), Gen.Int[0, 150], Gen.Int[0, 10]);
        // Long sequences over ids 0..150 cross the index threshold both ways.
        Gen.Select(genOp.Array[1, 600], Gen.Int[0, 2]).Sample(input =>
        {
            var (ops, _) = input;
            var list = new PeerList<Compact4>();
            var model = new Dictionary<int, (bool Seeder, int LastSeen)>();
            int now = 0;
            foreach (var (op, peer, step) in ops)
            {
                now += step;
                var id = Id(peer);
                switch (op)
                {
                    case Op.UpsertLeecher or Op.UpsertSeeder:
                        bool seeder = op == Op.UpsertSeeder;
                        var address = Address(peer);
                        int slot = list.Upsert(in id, in address, seeder, now, out bool added);
                        Assert.Equal(!model.ContainsKey(peer), added);
                        Assert.Equal(seeder, list.IsSeederSlot(slot));
                        model[peer] = (seeder, now);
                        break;
                    case Op.Remove:
                        Assert.Equal(model.Remove(peer), list.Remove(in id));
                        break;
                    case Op.Expire:
                        int cutoff = now - 20;
                        int expected = model.Count(kv => kv.Value.LastSeen < cutoff);
                        foreach (var key in model.Where(kv => kv.Value.LastSeen < cutoff).Select(kv => kv.Key).ToList()) model.Remove(key);
                        Assert.Equal(expected, list.Expire(cutoff));
                        break;
                    case Op.Trim:
                        list.Trim();
                        break;
                }
                Check(list, model);
            }
        }, iter: 300);
    }

    private static Compact4 Address(int peer) => CompactAddress.From<Compact4>(V4(peer).Compact);

    private static void Check(PeerList<Compact4> list, Dictionary<int, (bool Seeder, int LastSeen)> model)
    {
        Assert.Equal(model.Count, list.Count);
        Assert.Equal(model.Count(kv => !kv.Value.Seeder), list.Leechers);
        foreach (var (peer, state) in model)
        {
            var id = Id(peer);
            int slot = list.Find(in id);
            Assert.True(slot >= 0, $"peer {peer} not found");
            Assert.Equal(state.Seeder, list.IsSeederSlot(slot));
            Assert.Equal(state.LastSeen, list.Slots[slot].LastSeen);
            Assert.True(CompactAddress.Bytes(in list.Slots[slot].Address).SequenceEqual(V4(peer).Compact));
        }
        var absent = Id(1000);
        Assert.Equal(-1, list.Find(in absent));
    }

    [Fact]
    public void Selection_is_distinct_excludes_the_requester_and_respects_max()
    {
        Gen.Select(Gen.Int[0, 120], Gen.Int[0, 120], Gen.Int[0, 200], Gen.Bool).Sample((leechers, seeders, max, forSeeder) =>
        {
            var list = new PeerList<Compact4>();
            for (int i = 0; i < leechers + seeders; i++)
            {
                var id = Id(i);
                var address = Address(i);
                list.Upsert(in id, in address, seeder: i >= leechers, 0, out _);
            }
            int total = leechers + seeders;
            var first = Id(0);
            int exclude = total == 0 ? -1 : list.Find(in first);
            var compact = new byte[200 * 6];
            int written = list.Select(exclude, forSeeder, max, compact, default);
            var endpoints = Endpoints(compact.AsSpan(0, written * 6), 6);
            Assert.Equal(Math.Min(max, Math.Max(0, total - 1)), written);
            Assert.Equal(written, endpoints.Distinct().Count());
            Assert.DoesNotContain(V4(0), endpoints);
            if (forSeeder)
            {
                // Leechers (ids below `leechers`) come before any seeder.
                var isLeecher = endpoints.Select(e => Enumerable.Range(0, leechers).Any(i => V4(i).Equals(e))).ToList();
                Assert.Equal(isLeecher.OrderByDescending(x => x), isLeecher);
            }
        }, iter: 300);
    }
}
