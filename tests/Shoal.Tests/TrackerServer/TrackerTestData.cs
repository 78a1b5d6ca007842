using System.Buffers.Binary;
using System.Net;
using Shoal.Metainfo;
using Shoal.TrackerServer.Registry;
using Shoal.Trackers;
using Shoal.Wire;

namespace Shoal.Tests.TrackerServer;

/// <summary>Deterministic ids, hashes and endpoints for tracker tests.</summary>
internal static class TrackerTestData
{
    public static InfoHash Hash(int n)
    {
        var bytes = new byte[20];
        BinaryPrimitives.WriteInt32BigEndian(bytes, n);
        bytes[19] = 0xAB;
        return new InfoHash(bytes);
    }

    public static PeerId Id(int n)
    {
        var bytes = "-SH0001-000000000000"u8.ToArray();
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(16), n);
        return PeerId.From(bytes);
    }

    /// <summary>127.x.y.z with a port derived from n, so every peer has its own address and port.</summary>
    public static PeerEndpoint V4(int n) =>
        PeerEndpoint.FromAddress([127, (byte)(n >> 16), (byte)(n >> 8), (byte)n], (ushort)(10000 + n % 50000));

    /// <summary>2001:db8:0:N::1 (documentation addresses, never dialled): every peer in its own /64, its own source.</summary>
    public static PeerEndpoint V6(int n)
    {
        var bytes = IPAddress.Parse("2001:db8::1").GetAddressBytes();
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), n + 1);
        return PeerEndpoint.FromAddress(bytes, (ushort)(20000 + n % 40000));
    }

    public static PeerAnnounce Announce(InfoHash hash, int peer, bool seeder, AnnounceEvent announceEvent = AnnounceEvent.None,
        int numWant = 50, bool v6 = false, bool ids = false, bool both = false) =>
        new(hash, Id(peer), v6 ? V6(peer) : V4(peer), announceEvent, seeder, numWant, ids, both);

    /// <summary>Splits compact peers into their endpoints.</summary>
    public static List<PeerEndpoint> Endpoints(ReadOnlySpan<byte> compact, int size)
    {
        var list = new List<PeerEndpoint>();
        for (int i = 0; i + size <= compact.Length; i += size)
        {
            var entry = compact.Slice(i, size);
            list.Add(PeerEndpoint.FromAddress(entry[..^2], BinaryPrimitives.ReadUInt16BigEndian(entry[^2..])));
        }
        return list;
    }
}
