using System.Numerics;
using Shoal.Wire;

namespace Shoal.TrackerServer.Registry;

/// <summary>
/// The peer-id index of a large <see cref="PeerList{TAddress}"/>: linear probing over an int table holding slot + 1
/// (0 = empty), at most half full, with backward-shift deletion so no tombstones accumulate.
/// </summary>
internal sealed partial class PeerList<TAddress>
{
    private int[]? _index;

    internal bool HasIndex => _index is not null;

    private int IndexFind(ref readonly PeerId id)
    {
        int pos = IndexPosition(in id);
        return pos < 0 ? -1 : _index![pos] - 1;
    }

    private int IndexPosition(ref readonly PeerId id)
    {
        var table = _index!;
        int mask = table.Length - 1;
        for (int pos = id.GetHashCode() & mask; ; pos = (pos + 1) & mask)
        {
            int value = table[pos];
            if (value == 0) return -1;
            if (_slots[value - 1].Id.Equals(id)) return pos;
        }
    }

    private void IndexAdd(int slot)
    {
        if (_index is null || Count * 2 > _index.Length)
        {
            RebuildIndex();
            return;
        }
        Place(_index, _slots[slot].Id.GetHashCode(), slot);
    }

    private void IndexRemove(ref readonly PeerId id)
    {
        var table = _index!;
        int mask = table.Length - 1;
        int hole = IndexPosition(in id);
        if (hole < 0) return;
        table[hole] = 0;
        for (int pos = (hole + 1) & mask; table[pos] != 0; pos = (pos + 1) & mask)
        {
            int home = _slots[table[pos] - 1].Id.GetHashCode() & mask;
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
        for (int i = 0; i < Count; i++) Place(table, _slots[i].Id.GetHashCode(), i);
        _index = table;
    }

    private static void Place(int[] table, int hash, int slot)
    {
        int mask = table.Length - 1;
        int pos = hash & mask;
        while (table[pos] != 0) pos = (pos + 1) & mask;
        table[pos] = slot + 1;
    }
}
