using Shoal.Wire;

namespace Shoal.TrackerServer.Registry;

/// <summary>
/// The peers of one address family in one swarm, as a packed array of <see cref="PeerSlot{TAddress}"/>:
/// leechers occupy [0, Leechers) and seeders [Leechers, Count), so a seeder can be handed leechers first without a scan.
/// Small lists are searched linearly; above <see cref="IndexAbove"/> peers an open-addressing peer-id index is kept.
/// Not thread-safe: the registry's shard lock guards it.
/// </summary>
internal sealed partial class PeerList<TAddress> where TAddress : unmanaged, ICompactAddress<TAddress>
{
    internal const int IndexAbove = 48;
    private const int DropIndexBelow = 24;

    private PeerSlot<TAddress>[] _slots = [];

    public int Count { get; private set; }

    public int Leechers { get; private set; }

    public int Seeders => Count - Leechers;

    public int Capacity => _slots.Length;

    internal ReadOnlySpan<PeerSlot<TAddress>> Slots => _slots.AsSpan(0, Count);

    internal bool IsSeederSlot(int slot) => slot >= Leechers;

    /// <summary>The slot holding this peer id, or -1.</summary>
    public int Find(ref readonly PeerId id)
    {
        if (_index is not null) return IndexFind(in id);
        var slots = _slots.AsSpan(0, Count);
        for (int i = 0; i < slots.Length; i++)
            if (slots[i].Id.Equals(id)) return i;
        return -1;
    }

    /// <summary>Adds or refreshes a peer; returns its slot. <paramref name="added"/> tells whether it is new.</summary>
    public int Upsert(ref readonly PeerId id, ref readonly TAddress address, bool seeder, int now, out bool added) =>
        Upsert(in id, in address, seeder, now, out added, out _);

    /// <summary>As above; <paramref name="wasSeeder"/> tells whether an existing entry was a seeder before.</summary>
    public int Upsert(ref readonly PeerId id, ref readonly TAddress address, bool seeder, int now, out bool added, out bool wasSeeder)
    {
        int slot = Find(in id);
        added = slot < 0;
        wasSeeder = !added && IsSeederSlot(slot);
        if (added)
        {
            slot = Append(in id, seeder);
        }
        else if (seeder != IsSeederSlot(slot))
        {
            slot = seeder ? MoveToSeeders(slot) : MoveToLeechers(slot);
        }
        ref var entry = ref _slots[slot];
        entry.Address = address;
        entry.LastSeen = now;
        return slot;
    }

    public bool Remove(ref readonly PeerId id)
    {
        int slot = Find(in id);
        if (slot < 0) return false;
        RemoveAt(slot);
        return true;
    }

    /// <summary>Drops every peer last seen before <paramref name="cutoff"/>; returns how many.</summary>
    public int Expire(int cutoff)
    {
        int removed = 0;
        for (int i = Count - 1; i >= 0; i--)
        {
            if (i < Count && _slots[i].LastSeen < cutoff)
            {
                RemoveAt(i);
                removed++;
            }
        }
        return removed;
    }

    /// <summary>Gives back array space left over from growth (runs with the periodic sweep, not per announce).</summary>
    public void Trim()
    {
        int wanted = Count == 0 ? 0 : Count + Math.Max(2, Count / 8);
        if (_slots.Length > wanted + 4 || (Count == 0 && _slots.Length > 0))
        {
            Array.Resize(ref _slots, wanted);
            if (_index is not null) RebuildIndex();
        }
        if (_index is not null && Count < DropIndexBelow) _index = null;
    }

    /// <summary>
    /// Copies up to <paramref name="max"/> peers other than <paramref name="exclude"/> into the output spans (compact address,
    /// and peer id when <paramref name="idsOut"/> is not empty). A seeder gets leechers first; a leecher a random window of all.
    /// </summary>
    public int Select(int exclude, bool forSeeder, int max, Span<byte> compactOut, Span<byte> idsOut)
    {
        if (max <= 0 || Count == 0) return 0;
        int written = 0;
        if (forSeeder)
        {
            written = CopyWindow(0, Leechers, exclude, max, compactOut, idsOut, 0);
            if (written < max) written = CopyWindow(Leechers, Count - Leechers, exclude, max, compactOut, idsOut, written);
        }
        else
        {
            written = CopyWindow(0, Count, exclude, max, compactOut, idsOut, 0);
        }
        return written;
    }

    // Copies from [start, start+length) beginning at a random offset and wrapping around: a cheap random sample.
    private int CopyWindow(int start, int length, int exclude, int max, Span<byte> compactOut, Span<byte> idsOut, int written)
    {
        if (length <= 0) return written;
        int size = TAddress.Size;
        int offset = Random.Shared.Next(length);
        ReadOnlySpan<byte> excludedAddress = exclude >= 0 ? CompactAddress.Bytes(in _slots[exclude].Address) : default;
        int end = start + length;
        int i = start + offset;
        for (int n = 0; n < length && written < max; n++, i++)
        {
            if (i == end) i = start;
            if (i == exclude) continue;
            ref readonly var entry = ref _slots[i];
            var address = CompactAddress.Bytes(in entry.Address);
            // A client that restarted with a new peer id leaves its old entry behind: never hand it its own address.
            if (exclude >= 0 && address.SequenceEqual(excludedAddress)) continue;
            address.CopyTo(compactOut.Slice(written * size, size));
            if (!idsOut.IsEmpty) ((ReadOnlySpan<byte>)entry.Id).CopyTo(idsOut.Slice(written * PeerId.Length, PeerId.Length));
            written++;
        }
        return written;
    }

    private int Append(ref readonly PeerId id, bool seeder)
    {
        if (Count == _slots.Length) Grow();
        int slot;
        if (seeder)
        {
            slot = Count;
        }
        else
        {
            // Keep the partition: the first seeder moves to the end, the new leecher takes its place.
            slot = Leechers;
            if (Count > Leechers) Move(Leechers, Count);
            Leechers++;
        }
        Count++;
        _slots[slot].Id = id;
        if (_index is not null || Count > IndexAbove) IndexAdd(slot);
        return slot;
    }

    private void RemoveAt(int slot)
    {
        if (_index is not null) IndexRemove(in _slots[slot].Id);
        if (slot < Leechers)
        {
            int lastLeecher = Leechers - 1;
            if (slot != lastLeecher) Move(lastLeecher, slot);
            if (Count - 1 != lastLeecher) Move(Count - 1, lastLeecher);
            Leechers--;
        }
        else if (slot != Count - 1)
        {
            Move(Count - 1, slot);
        }
        Count--;
        _slots[Count] = default;
        if (_index is not null && Count < DropIndexBelow) _index = null;
    }

    private int MoveToSeeders(int slot)
    {
        int boundary = Leechers - 1;
        Swap(slot, boundary);
        Leechers--;
        return boundary;
    }

    private int MoveToLeechers(int slot)
    {
        int boundary = Leechers;
        Swap(slot, boundary);
        Leechers++;
        return boundary;
    }

    private void Swap(int a, int b)
    {
        if (a == b) return;
        int cellA = _index is null ? -1 : IndexPosition(in _slots[a].Id);
        int cellB = _index is null ? -1 : IndexPosition(in _slots[b].Id);
        (_slots[a], _slots[b]) = (_slots[b], _slots[a]);
        if (_index is not null)
        {
            _index[cellA] = b + 1;
            _index[cellB] = a + 1;
        }
    }

    // The caller guarantees the id at `to` is no longer indexed (removed, or already moved elsewhere).
    private void Move(int from, int to)
    {
        int cell = _index is null ? -1 : IndexPosition(in _slots[from].Id);
        _slots[to] = _slots[from];
        if (cell >= 0) _index![cell] = to + 1;
    }

    private void Grow()
    {
        int capacity = _slots.Length == 0 ? 4 : _slots.Length * 2;
        Array.Resize(ref _slots, capacity);
    }
}
