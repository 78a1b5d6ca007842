using System.Buffers.Binary;
using System.Net;

namespace Shoal.Trackers;

/// <summary>The compact peer formats: 4-byte IPv4 or 16-byte IPv6 address followed by a big-endian port (BEP 23, BEP 7, BEP 15).</summary>
public static class CompactPeers
{
    public const int IPv4Stride = 6;
    public const int IPv6Stride = 18;

    /// <summary>
    /// Appends the peers in <paramref name="data"/> to <paramref name="into"/> until it holds <paramref name="maxPeers"/>,
    /// skipping entries with port 0 or an unspecified address. Returns false if the length is not a whole number of entries.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> data, int stride, List<IPEndPoint> into, int maxPeers)
    {
        if (stride is not (IPv4Stride or IPv6Stride)) throw new ArgumentOutOfRangeException(nameof(stride));
        if (data.Length % stride != 0) return false;
        int addressLength = stride - 2;
        for (int offset = 0; offset < data.Length && into.Count < maxPeers; offset += stride)
        {
            var entry = data.Slice(offset, stride);
            int port = BinaryPrimitives.ReadUInt16BigEndian(entry[addressLength..]);
            var addressBytes = entry[..addressLength];
            if (port == 0 || !addressBytes.ContainsAnyExcept((byte)0)) continue;
            into.Add(new IPEndPoint(new IPAddress(addressBytes), port));
        }
        return true;
    }

    /// <summary>Writes one peer in compact form (for tests and servers); returns the bytes written.</summary>
    public static int Write(IPEndPoint peer, Span<byte> destination)
    {
        int addressLength = peer.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 16 : 4;
        if (!peer.Address.TryWriteBytes(destination, out int written) || written != addressLength)
            throw new ArgumentException("destination too small", nameof(destination));
        BinaryPrimitives.WriteUInt16BigEndian(destination[addressLength..], (ushort)peer.Port);
        return addressLength + 2;
    }
}
