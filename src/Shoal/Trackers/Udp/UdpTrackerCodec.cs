using System.Buffers.Binary;
using Shoal.Metainfo;
using Shoal.Wire;

namespace Shoal.Trackers.Udp;

/// <summary>
/// The BEP 15 wire format, big-endian throughout, shared by the tracker client (<see cref="UdpTrackerClient"/>) and
/// Shoal's tracker server. This file holds the requests (the client writes them, the server reads them); the answers
/// are in UdpTrackerCodec.Answers.cs. Writers fill a buffer the caller sized and return the bytes written; readers
/// check lengths and never throw for malformed input.
/// </summary>
public static partial class UdpTrackerCodec
{
    /// <summary>The magic connection id of a connect request.</summary>
    public const ulong ProtocolId = 0x41727101980;

    /// <summary>Connection id, action, transaction id: what every request starts with.</summary>
    public const int RequestHeaderLength = 16;
    public const int ConnectRequestLength = RequestHeaderLength;
    public const int AnnounceRequestLength = 98;
    public const int ScrapeRequestLength = RequestHeaderLength + InfoHash.Length;

    /// <summary>Every request carries its transaction id at this offset (after the 8-byte connection id and the action).</summary>
    public const int RequestTransactionIdOffset = 12;

    /// <summary>BEP 15 caps a scrape at about 74 hashes, so the answer fits a classic 1500-byte datagram.</summary>
    public const int MaxScrapeHashes = 74;

    public static int WriteConnectRequest(Span<byte> packet, uint transactionId) =>
        WriteRequestHeader(packet, ProtocolId, UdpTrackerAction.Connect, transactionId);

    public static int WriteAnnounceRequest(Span<byte> packet, ulong connectionId, uint transactionId, in UdpAnnounce announce)
    {
        WriteRequestHeader(packet, connectionId, UdpTrackerAction.Announce, transactionId);
        announce.InfoHash.CopyTo(packet.Slice(16, InfoHash.Length));
        var id = announce.PeerId;
        ((ReadOnlySpan<byte>)id).CopyTo(packet.Slice(36, PeerId.Length));
        BinaryPrimitives.WriteInt64BigEndian(packet[56..], announce.Downloaded);
        BinaryPrimitives.WriteInt64BigEndian(packet[64..], announce.Left);
        BinaryPrimitives.WriteInt64BigEndian(packet[72..], announce.Uploaded);
        BinaryPrimitives.WriteUInt32BigEndian(packet[80..], EventCode(announce.Event));
        BinaryPrimitives.WriteUInt32BigEndian(packet[84..], announce.IPv4);
        BinaryPrimitives.WriteUInt32BigEndian(packet[88..], announce.Key);
        BinaryPrimitives.WriteInt32BigEndian(packet[92..], announce.NumWant);
        BinaryPrimitives.WriteUInt16BigEndian(packet[96..], announce.Port);
        return AnnounceRequestLength;
    }

    public static int WriteScrapeRequest(Span<byte> packet, ulong connectionId, uint transactionId, InfoHash hash)
    {
        WriteRequestHeader(packet, connectionId, UdpTrackerAction.Scrape, transactionId);
        hash.CopyTo(packet.Slice(RequestHeaderLength, InfoHash.Length));
        return ScrapeRequestLength;
    }

    /// <summary>The BEP 15 number of an event (the enum carries BEP 15's numbers).</summary>
    public static uint EventCode(AnnounceEvent announceEvent) => (uint)announceEvent;

    /// <summary>Reads the 16 bytes every request starts with; false when the packet is shorter.</summary>
    public static bool TryReadRequestHeader(ReadOnlySpan<byte> packet, out ulong connectionId, out UdpTrackerAction action, out uint transactionId)
    {
        if (packet.Length < RequestHeaderLength)
        {
            (connectionId, action, transactionId) = (0, default, 0);
            return false;
        }
        connectionId = BinaryPrimitives.ReadUInt64BigEndian(packet);
        action = (UdpTrackerAction)BinaryPrimitives.ReadInt32BigEndian(packet[8..]);
        transactionId = BinaryPrimitives.ReadUInt32BigEndian(packet[RequestTransactionIdOffset..]);
        return true;
    }

    /// <summary>Reads an announce request's body (BEP 41 options after the 98 bytes are ignored); false with the reason to answer.</summary>
    public static bool TryReadAnnounceRequest(ReadOnlySpan<byte> packet, out UdpAnnounce announce, out string? error)
    {
        announce = default;
        error = null;
        if (packet.Length < AnnounceRequestLength)
        {
            error = "announce packet too short";
            return false;
        }
        uint rawEvent = BinaryPrimitives.ReadUInt32BigEndian(packet[80..]);
        if (rawEvent > (uint)AnnounceEvent.Stopped)
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

    /// <summary>The info-hashes a scrape request asks about (at most <see cref="MaxScrapeHashes"/>; trailing partial bytes are ignored).</summary>
    public static int ScrapeHashCount(ReadOnlySpan<byte> packet) =>
        Math.Min(MaxScrapeHashes, Math.Max(0, packet.Length - RequestHeaderLength) / InfoHash.Length);

    public static InfoHash ScrapeHash(ReadOnlySpan<byte> packet, int index) =>
        new(packet.Slice(RequestHeaderLength + index * InfoHash.Length, InfoHash.Length));

    private static int WriteRequestHeader(Span<byte> packet, ulong connectionId, UdpTrackerAction action, uint transactionId)
    {
        BinaryPrimitives.WriteUInt64BigEndian(packet, connectionId);
        BinaryPrimitives.WriteUInt32BigEndian(packet[8..], (uint)action);
        BinaryPrimitives.WriteUInt32BigEndian(packet[RequestTransactionIdOffset..], transactionId);
        return RequestHeaderLength;
    }
}
