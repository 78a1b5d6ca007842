using System.Buffers.Binary;
using System.Text;
using Shoal.Metainfo;
using Shoal.TrackerServer.Registry;

namespace Shoal.TrackerServer.Udp;

/// <summary>BEP 15 actions.</summary>
internal enum UdpAction
{
    Connect = 0,
    Announce = 1,
    Scrape = 2,
    Error = 3,
}

/// <summary>A parsed BEP 15 announce request (98 bytes; BEP 41 options after it are ignored).</summary>
internal readonly record struct UdpAnnounce(
    long ConnectionId, int TransactionId, InfoHash InfoHash, PeerId PeerId, long Downloaded, long Left, long Uploaded,
    AnnounceEvent Event, uint IPv4, uint Key, int NumWant, ushort Port);

/// <summary>
/// The BEP 15 wire format, big-endian throughout. Readers check lengths and return false on anything malformed;
/// writers return the number of bytes written into a destination that the caller sized (see <see cref="MaxPacket"/>).
/// </summary>
internal static class UdpProtocol
{
    public const long ProtocolId = 0x41727101980;
    public const int HeaderLength = 16;
    public const int AnnounceLength = 98;
    public const int AnnounceResponseHeader = 20;
    /// <summary>BEP 15 caps a scrape at about 74 hashes, so the answer fits a classic 1500-byte datagram.</summary>
    public const int MaxScrapeHashes = 74;
    public const int MaxErrorMessage = 200;
    public const int MaxPacket = AnnounceResponseHeader + TrackerOptions.MaxNumWantLimit * PeerEndpoint.CompactV6Length;

    /// <summary>
    /// Peers per announce answer so that it fits one 1500-byte Ethernet frame unfragmented (1472 bytes of UDP payload over
    /// IPv4, 1452 over IPv6): 242 IPv4 or 79 IPv6 peers. Fragments get lost and some clients read into 1500-byte buffers.
    /// </summary>
    public static int MaxPeers(bool ipv6) =>
        ipv6 ? (1452 - AnnounceResponseHeader) / PeerEndpoint.CompactV6Length : (1472 - AnnounceResponseHeader) / PeerEndpoint.CompactV4Length;

    /// <summary>Reads the 16 bytes every request starts with.</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> packet, out long connectionId, out UdpAction action, out int transactionId)
    {
        connectionId = 0;
        action = default;
        transactionId = 0;
        if (packet.Length < HeaderLength) return false;
        connectionId = BinaryPrimitives.ReadInt64BigEndian(packet);
        action = (UdpAction)BinaryPrimitives.ReadInt32BigEndian(packet[8..]);
        transactionId = BinaryPrimitives.ReadInt32BigEndian(packet[12..]);
        return true;
    }

    public static bool TryReadAnnounce(ReadOnlySpan<byte> packet, out UdpAnnounce announce, out string? error)
    {
        announce = default;
        error = null;
        if (packet.Length < AnnounceLength)
        {
            error = "announce packet too short";
            return false;
        }
        int rawEvent = BinaryPrimitives.ReadInt32BigEndian(packet[80..]);
        if (rawEvent is < 0 or > 3)
        {
            error = "unknown event";
            return false;
        }
        ushort port = BinaryPrimitives.ReadUInt16BigEndian(packet[96..]);
        if (port == 0)
        {
            error = "invalid port";
            return false;
        }
        announce = new UdpAnnounce(
            ConnectionId: BinaryPrimitives.ReadInt64BigEndian(packet),
            TransactionId: BinaryPrimitives.ReadInt32BigEndian(packet[12..]),
            InfoHash: new InfoHash(packet.Slice(16, InfoHash.Length)),
            PeerId: PeerId.From(packet.Slice(36, PeerId.Length)),
            Downloaded: BinaryPrimitives.ReadInt64BigEndian(packet[56..]),
            Left: BinaryPrimitives.ReadInt64BigEndian(packet[64..]),
            Uploaded: BinaryPrimitives.ReadInt64BigEndian(packet[72..]),
            Event: (AnnounceEvent)rawEvent,
            IPv4: BinaryPrimitives.ReadUInt32BigEndian(packet[84..]),
            Key: BinaryPrimitives.ReadUInt32BigEndian(packet[88..]),
            NumWant: BinaryPrimitives.ReadInt32BigEndian(packet[92..]),
            Port: port);
        return true;
    }

    /// <summary>The info-hashes of a scrape request (at most <see cref="MaxScrapeHashes"/>; trailing partial bytes are ignored).</summary>
    public static int ScrapeHashCount(ReadOnlySpan<byte> packet) =>
        Math.Min(MaxScrapeHashes, Math.Max(0, packet.Length - HeaderLength) / InfoHash.Length);

    public static InfoHash ScrapeHash(ReadOnlySpan<byte> packet, int index) =>
        new(packet.Slice(HeaderLength + index * InfoHash.Length, InfoHash.Length));

    public static int WriteConnect(Span<byte> destination, int transactionId, long connectionId)
    {
        BinaryPrimitives.WriteInt32BigEndian(destination, (int)UdpAction.Connect);
        BinaryPrimitives.WriteInt32BigEndian(destination[4..], transactionId);
        BinaryPrimitives.WriteInt64BigEndian(destination[8..], connectionId);
        return 16;
    }

    public static int WriteAnnounce(Span<byte> destination, int transactionId, int interval, int leechers, int seeders, ReadOnlySpan<byte> peers)
    {
        BinaryPrimitives.WriteInt32BigEndian(destination, (int)UdpAction.Announce);
        BinaryPrimitives.WriteInt32BigEndian(destination[4..], transactionId);
        BinaryPrimitives.WriteInt32BigEndian(destination[8..], interval);
        BinaryPrimitives.WriteInt32BigEndian(destination[12..], leechers);
        BinaryPrimitives.WriteInt32BigEndian(destination[16..], seeders);
        peers.CopyTo(destination[AnnounceResponseHeader..]);
        return AnnounceResponseHeader + peers.Length;
    }

    public static int WriteScrapeHeader(Span<byte> destination, int transactionId)
    {
        BinaryPrimitives.WriteInt32BigEndian(destination, (int)UdpAction.Scrape);
        BinaryPrimitives.WriteInt32BigEndian(destination[4..], transactionId);
        return 8;
    }

    /// <summary>One 12-byte scrape entry: seeders, completed, leechers (BEP 15 order).</summary>
    public static int WriteScrapeEntry(Span<byte> destination, in ScrapeCounts counts)
    {
        BinaryPrimitives.WriteInt32BigEndian(destination, counts.Seeders);
        BinaryPrimitives.WriteInt32BigEndian(destination[4..], (int)Math.Min(int.MaxValue, counts.Downloaded));
        BinaryPrimitives.WriteInt32BigEndian(destination[8..], counts.Leechers);
        return 12;
    }

    public static int WriteError(Span<byte> destination, int transactionId, string message)
    {
        BinaryPrimitives.WriteInt32BigEndian(destination, (int)UdpAction.Error);
        BinaryPrimitives.WriteInt32BigEndian(destination[4..], transactionId);
        int length = Encoding.UTF8.GetBytes(message.AsSpan(0, Math.Min(message.Length, MaxErrorMessage)), destination[8..]);
        return 8 + length;
    }
}
