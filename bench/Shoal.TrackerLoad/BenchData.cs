using System.Buffers.Binary;
using System.Text;

namespace Shoal.TrackerLoad;

/// <summary>
/// The synthetic population: torrent t has info-hash "SHOALBENCH" + t, peer p of it has a unique id, port 1024 + p and
/// its own loopback address 127.T.T.P (announced in BEP 15's IP field and the ip parameter, which a tracker believes
/// from its own machine), as peers on a real tracker each have their own address. All requests are sent from
/// 127.0.0.1; opentracker, which ignores the claimed address, tells the peers apart by port. One peer in ten seeds.
/// </summary>
internal static class BenchData
{
    public static void InfoHash(int torrent, Span<byte> destination)
    {
        "SHOALBENCH"u8.CopyTo(destination);
        destination[10..20].Clear();
        BinaryPrimitives.WriteInt32BigEndian(destination[16..], torrent);
    }

    public static void PeerId(int torrent, int peer, Span<byte> destination)
    {
        "-BN0001-"u8.CopyTo(destination);
        BinaryPrimitives.WriteInt32BigEndian(destination[8..], torrent);
        BinaryPrimitives.WriteInt32BigEndian(destination[12..], peer);
        BinaryPrimitives.WriteInt32BigEndian(destination[16..], torrent ^ peer ^ 0x5A5A5A5A);
    }

    public static ushort Port(int peer) => (ushort)(1024 + peer);

    /// <summary>127.T.T.P as a big-endian number (torrents beyond 65,536 or peers beyond 256 share addresses).</summary>
    public static uint Address(int torrent, int peer) => 127u << 24 | (uint)(torrent & 0xFFFF) << 8 | (uint)(peer & 0xFF);

    public static string AddressText(int torrent, int peer) => $"127.{(torrent >> 8) & 0xFF}.{torrent & 0xFF}.{peer & 0xFF}";

    public static long Left(int peer) => peer % 10 == 0 ? 0 : 1_000_000;

    public static string Whitelist(int torrents)
    {
        var text = new StringBuilder(torrents * 41);
        Span<byte> hash = stackalloc byte[20];
        for (int t = 0; t < torrents; t++)
        {
            InfoHash(t, hash);
            text.Append(Convert.ToHexStringLower(hash)).Append('\n');
        }
        return text.ToString();
    }
}
