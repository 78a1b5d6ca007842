using System.Buffers.Binary;
using System.Text;

namespace Shoal.TrackerLoad;

/// <summary>
/// The synthetic population: torrent t has info-hash "SHOALBENCH" + t, peer p of it has a unique id and port 1024 + p
/// (opentracker tells peers apart by address and port, and every benchmark peer is 127.0.0.1). One peer in ten seeds.
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
