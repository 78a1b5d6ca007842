using Shoal.Wire;

namespace Shoal.TrackerServer.Registry;

/// <summary>Choosing the peers an announce answer hands out.</summary>
internal sealed partial class PeerList<TAddress>
{
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
}
