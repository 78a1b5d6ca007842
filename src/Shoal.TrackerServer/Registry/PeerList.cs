using Shoal.Wire;

namespace Shoal.TrackerServer.Registry;

/// <summary>
/// The peers of one address family in one swarm, as a packed array of <see cref="PeerSlot{TAddress}"/>:
/// leechers occupy [0, Leechers) and seeders [Leechers, Count), so a seeder can be handed leechers first without a scan.
/// A peer is its (peer id, IP address) pair: someone who learns a peer id cannot move that peer to another address or
/// stop it. Small lists are searched linearly; above <see cref="IndexAbove"/> peers an open-addressing index is kept,
/// hashed on the peer's source (IPv4 address or IPv6 /64) so that one source's peers are found in one probe run.
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

    /// <summary>The slot holding this peer (id at this IP address; the port may differ), or -1.</summary>
    public int Find(ref readonly PeerId id, ref readonly TAddress address) => Find(in id, in address, out _, out _);

    /// <summary>
    /// As <see cref="Find(ref readonly PeerId, ref readonly TAddress)"/>; when the peer is absent, also counts the peers
    /// from the same source (<paramref name="fromSource"/>) and gives the slot of the least recently seen of them.
    /// </summary>
    public int Find(ref readonly PeerId id, ref readonly TAddress address, out int fromSource, out int oldestFromSource)
    {
        if (_index is not null) return IndexFind(in id, in address, out fromSource, out oldestFromSource);
        fromSource = 0;
        oldestFromSource = -1;
        var slots = _slots.AsSpan(0, Count);
        for (int i = 0; i < slots.Length; i++)
        {
            if (Matches(i, in id, in address)) return i;
            Tally(i, in address, ref fromSource, ref oldestFromSource);
        }
        return -1;
    }

    /// <summary>Adds a peer that <see cref="Find(ref readonly PeerId, ref readonly TAddress)"/> did not find; returns its slot.</summary>
    public int Add(ref readonly PeerId id, ref readonly TAddress address, bool seeder, int now)
    {
        int slot = Append(in id, in address, seeder);
        _slots[slot].LastSeen = now;
        return slot;
    }

    /// <summary>Refreshes a found peer (new port, role, time); returns its slot, which moves when the role changes.</summary>
    public int Refresh(int slot, ref readonly TAddress address, bool seeder, int now)
    {
        if (seeder != IsSeederSlot(slot)) slot = seeder ? MoveToSeeders(slot) : MoveToLeechers(slot);
        ref var entry = ref _slots[slot];
        entry.Address = address; // same IP (the key), possibly another port
        entry.LastSeen = now;
        return slot;
    }

    /// <summary>Adds or refreshes a peer; returns its slot. <paramref name="added"/> tells whether it is new. No caps apply.</summary>
    public int Upsert(ref readonly PeerId id, ref readonly TAddress address, bool seeder, int now, out bool added)
    {
        int slot = Find(in id, in address);
        added = slot < 0;
        return added ? Add(in id, in address, seeder, now) : Refresh(slot, in address, seeder, now);
    }

    public bool Remove(ref readonly PeerId id, ref readonly TAddress address)
    {
        int slot = Find(in id, in address);
        if (slot < 0) return false;
        RemoveAt(slot);
        return true;
    }

    /// <summary>Drops every peer last seen before <paramref name="cutoff"/>; returns how many.</summary>
    public int Expire(int cutoff)
    {
        int ties = 0;
        return Expire(cutoff, ref ties);
    }

    /// <summary>
    /// Drops every peer last seen before <paramref name="cutoff"/>, and up to <paramref name="ties"/> (decremented)
    /// of those seen exactly at it; returns how many.
    /// </summary>
    public int Expire(int cutoff, ref int ties)
    {
        int removed = 0;
        for (int i = Count - 1; i >= 0; i--)
        {
            if (i >= Count) continue;
            int seen = _slots[i].LastSeen;
            if (seen < cutoff || (seen == cutoff && ties > 0))
            {
                if (seen == cutoff) ties--;
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

    private bool Matches(int slot, ref readonly PeerId id, ref readonly TAddress address)
    {
        ref readonly var entry = ref _slots[slot];
        return entry.Id.Equals(id) && CompactAddress.Ip(in entry.Address).SequenceEqual(CompactAddress.Ip(in address));
    }

    private void Tally(int slot, ref readonly TAddress address, ref int fromSource, ref int oldest)
    {
        ref readonly var entry = ref _slots[slot];
        if (!CompactAddress.Source(in entry.Address).SequenceEqual(CompactAddress.Source(in address))) return;
        fromSource++;
        if (oldest < 0 || entry.LastSeen < _slots[oldest].LastSeen) oldest = slot;
    }

    private int Append(ref readonly PeerId id, ref readonly TAddress address, bool seeder)
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
        _slots[slot].Address = address;
        if (_index is not null || Count > IndexAbove) IndexAdd(slot);
        return slot;
    }

    internal void RemoveAt(int slot)
    {
        if (_index is not null) IndexRemove(slot);
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
        int cellA = _index is null ? -1 : IndexPosition(a);
        int cellB = _index is null ? -1 : IndexPosition(b);
        (_slots[a], _slots[b]) = (_slots[b], _slots[a]);
        if (_index is not null)
        {
            _index[cellA] = b + 1;
            _index[cellB] = a + 1;
        }
    }

    // The caller guarantees the entry at `to` is no longer indexed (removed, or already moved elsewhere).
    private void Move(int from, int to)
    {
        int cell = _index is null ? -1 : IndexPosition(from);
        _slots[to] = _slots[from];
        if (cell >= 0) _index![cell] = to + 1;
    }

    private void Grow()
    {
        int capacity = _slots.Length == 0 ? 4 : _slots.Length * 2;
        Array.Resize(ref _slots, capacity);
    }
}
