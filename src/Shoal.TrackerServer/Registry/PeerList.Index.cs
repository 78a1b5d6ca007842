using System.Numerics;
using Shoal.Wire;

namespace Shoal.TrackerServer.Registry;

/// <summary>
/// The index of a large <see cref="PeerList{TAddress}"/>: linear probing over an int table holding slot + 1 (0 = empty),
/// at most half full, with backward-shift deletion so no tombstones accumulate. Entries hash on their source (IPv4
/// address or IPv6 /64) with a per-process random seed, so all of one source's peers lie between their home cell and
/// the next empty one: a lookup also counts them, which is what the per-source cap needs, at no extra cost.
/// </summary>
internal sealed partial class PeerList<TAddress>
{
    private int[]? _index;

    internal bool HasIndex => _index is not null;

    private int IndexFind(ref readonly PeerId id, ref readonly TAddress address, out int fromSource, out int oldestFromSource)
    {
        fromSource = 0;
        oldestFromSource = -1;
        var table = _index!;
        int mask = table.Length - 1;
        for (int pos = SourceHash(in address) & mask; ; pos = (pos + 1) & mask)
        {
            int value = table[pos];
            if (value == 0) return -1;
            if (Matches(value - 1, in id, in address)) return value - 1;
            Tally(value - 1, in address, ref fromSource, ref oldestFromSource);
        }
    }

    /// <summary>The index cell that points at <paramref name="slot"/>.</summary>
    private int IndexPosition(int slot)
    {
        var table = _index!;
        int mask = table.Length - 1;
        for (int pos = SourceHash(in _slots[slot].Address) & mask; ; pos = (pos + 1) & mask)
            if (table[pos] == slot + 1) return pos;
    }

    private void IndexAdd(int slot)
    {
        if (_index is null || Count * 2 > _index.Length)
        {
            RebuildIndex();
            return;
        }
        Place(_index, SourceHash(in _slots[slot].Address), slot);
    }

    private void IndexRemove(int slot)
    {
        var table = _index!;
        int mask = table.Length - 1;
        int hole = IndexPosition(slot);
        table[hole] = 0;
        for (int pos = (hole + 1) & mask; table[pos] != 0; pos = (pos + 1) & mask)
        {
            int home = SourceHash(in _slots[table[pos] - 1].Address) & mask;
            // Move the entry back into the hole unless its home lies cyclically in (hole, pos].
            bool homeBetween = hole <= pos ? home > hole && home <= pos : home > hole || home <= pos;
            if (homeBetween) continue;
            table[hole] = table[pos];
            table[pos] = 0;
            hole = pos;
        }
    }

    private void RebuildIndex()
    {
        int size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(64, Math.Max(Count, _slots.Length) * 2));
        var table = new int[size];
        for (int i = 0; i < Count; i++) Place(table, SourceHash(in _slots[i].Address), i);
        _index = table;
    }

    private static void Place(int[] table, int hash, int slot)
    {
        int mask = table.Length - 1;
        int pos = hash & mask;
        while (table[pos] != 0) pos = (pos + 1) & mask;
        table[pos] = slot + 1;
    }

    // Randomised per process (HashCode's seed): nobody can choose addresses that pile into one run of the table.
    private static int SourceHash(ref readonly TAddress address)
    {
        var hash = new HashCode();
        hash.AddBytes(CompactAddress.Source(in address));
        return hash.ToHashCode();
    }
}
