using System.Buffers;

namespace Shoal.TrackerServer.Registry;

/// <summary>One torrent's peers (IPv4 and IPv6 kept apart) and its completed-download counter.</summary>
internal sealed class Swarm
{
    public PeerList<Compact4>? V4;
    public PeerList<Compact6>? V6;
    public long Downloaded;
    public string? Name;
    /// <summary>Set when the swarm changed since the store last saved it (only when changes are tracked).</summary>
    public bool Dirty;

    public int Seeders => (V4?.Seeders ?? 0) + (V6?.Seeders ?? 0);

    public int Leechers => (V4?.Leechers ?? 0) + (V6?.Leechers ?? 0);

    public int Count => (V4?.Count ?? 0) + (V6?.Count ?? 0);

    public bool IsEmpty => Count == 0;

    /// <summary>Nothing worth keeping: no peers, no completed downloads, no name.</summary>
    public bool IsDisposable => IsEmpty && Downloaded == 0 && Name is null;

    /// <summary>
    /// Drops the <paramref name="count"/> least recently seen peers of both families (a full swarm makes room in one
    /// batch, so the sort is paid once per batch, not once per newcomer). Returns how many were dropped.
    /// </summary>
    public int EvictOldest(int count)
    {
        int total = Count;
        if (count <= 0 || total == 0) return 0;
        if (count >= total) count = total;
        var seen = ArrayPool<int>.Shared.Rent(total);
        try
        {
            int n = 0;
            if (V4 is { } v4) foreach (ref readonly var slot in v4.Slots) seen[n++] = slot.LastSeen;
            if (V6 is { } v6) foreach (ref readonly var slot in v6.Slots) seen[n++] = slot.LastSeen;
            seen.AsSpan(0, n).Sort();
            // Everything seen before the cutoff goes; of those seen at it, only as many as still needed.
            int cutoff = seen[count - 1];
            int ties = count - CountBelow(seen.AsSpan(0, n), cutoff);
            int dropped = (V4?.Expire(cutoff, ref ties) ?? 0);
            dropped += V6?.Expire(cutoff, ref ties) ?? 0;
            return dropped;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(seen);
        }
    }

    private static int CountBelow(ReadOnlySpan<int> sorted, int value)
    {
        int below = sorted.BinarySearch(value);
        if (below < 0) return ~below;
        while (below > 0 && sorted[below - 1] == value) below--;
        return below;
    }
}
