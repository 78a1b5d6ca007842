using CsCheck;
using Shoal.TrackerServer.Registry;
using Shoal.Wire;
using static Shoal.Tests.TrackerServer.TrackerTestData;

namespace Shoal.Tests.TrackerServer;

/// <summary>The packed peer list (partition + optional index) against a plain dictionary model, under random operations.</summary>
public class PeerListPropertyTests
{
    private enum Op { UpsertLeecher, UpsertSeeder, Remove, Expire, Trim }

    [Fact]
    public void Behaves_like_a_dictionary_of_peers_keyed_on_id_and_address()
    {
        // Ids 0..150 on 12 addresses (ports vary): lists cross the index threshold both ways, one id shows up at several
        // addresses and one address holds many ids.
        var genOp = Gen.Select(Gen.Enum<Op>(), Gen.Int[0, 150], Gen.Int[0, 11], Gen.Int[0, 10]);
        genOp.Array[1, 600].Sample(ops =>
        {
            var list = new PeerList<Compact4>();
            var model = new Dictionary<(int Id, int Address), (bool Seeder, int LastSeen, ushort Port)>();
            int now = 0;
            foreach (var (op, peer, host, step) in ops)
            {
                now += step;
                var id = Id(peer);
                ushort port = (ushort)(6000 + step);
                var address = Address(host, port);
                switch (op)
                {
                    case Op.UpsertLeecher or Op.UpsertSeeder:
                        bool seeder = op == Op.UpsertSeeder;
                        int slot = list.Upsert(in id, in address, seeder, now, out bool added);
                        Assert.Equal(!model.ContainsKey((peer, host)), added);
                        Assert.Equal(seeder, list.IsSeederSlot(slot));
                        model[(peer, host)] = (seeder, now, port);
                        break;
                    case Op.Remove:
                        Assert.Equal(model.Remove((peer, host)), list.Remove(in id, in address));
                        break;
                    case Op.Expire:
                        int cutoff = now - 20;
                        var old = model.Where(kv => kv.Value.LastSeen < cutoff).Select(kv => kv.Key).ToList();
                        foreach (var key in old) model.Remove(key);
                        Assert.Equal(old.Count, list.Expire(cutoff));
                        break;
                    case Op.Trim:
                        list.Trim();
                        break;
                }
                Check(list, model);
            }
        }, iter: 300);
    }

    private static Compact4 Address(int host, ushort port) => CompactAddress.From<Compact4>(PeerEndpoint.FromAddress([198, 51, 100, (byte)host], port).Compact);

    private static void Check(PeerList<Compact4> list, Dictionary<(int Id, int Address), (bool Seeder, int LastSeen, ushort Port)> model)
    {
        Assert.Equal(model.Count, list.Count);
        Assert.Equal(model.Count(kv => !kv.Value.Seeder), list.Leechers);
        foreach (var ((peer, host), state) in model)
        {
            var id = Id(peer);
            var address = Address(host, 1); // any port: a peer is its id at its IP address
            int slot = list.Find(in id, in address);
            Assert.True(slot >= 0, $"peer {peer} at host {host} not found");
            Assert.Equal(state.Seeder, list.IsSeederSlot(slot));
            Assert.Equal(state.LastSeen, list.Slots[slot].LastSeen);
            var expected = Address(host, state.Port);
            Assert.True(CompactAddress.Bytes(in list.Slots[slot].Address).SequenceEqual(CompactAddress.Bytes(in expected)));
        }
        // An absent peer: the lookup also counts that address's peers and finds the least recently seen of them.
        for (int host = 0; host < 12; host++)
        {
            var absent = Id(1000);
            var address = Address(host, 1);
            Assert.Equal(-1, list.Find(in absent, in address, out int fromSource, out int oldest));
            var mine = model.Where(kv => kv.Key.Address == host).ToList();
            Assert.Equal(mine.Count, fromSource);
            if (mine.Count > 0) Assert.Equal(mine.Min(kv => kv.Value.LastSeen), list.Slots[oldest].LastSeen);
            else Assert.Equal(-1, oldest);
        }
    }

    private static Compact4 Address(int peer) => CompactAddress.From<Compact4>(V4(peer).Compact);

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
            var firstAddress = Address(0);
            int exclude = total == 0 ? -1 : list.Find(in first, in firstAddress);
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
