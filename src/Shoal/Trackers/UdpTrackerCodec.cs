using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Shoal.Metainfo;

namespace Shoal.Trackers;

/// <summary>
/// Packet layouts of the UDP tracker protocol (BEP 15). Writers fill caller buffers; readers validate lengths and
/// actions and throw only <see cref="TrackerException"/>.
/// </summary>
public static class UdpTrackerCodec
{
    public const ulong ProtocolId = 0x41727101980;
    public const int ConnectRequestLength = 16;
    public const int ConnectResponseLength = 16;
    public const int AnnounceRequestLength = 98;
    public const int AnnounceResponseHeaderLength = 20;
    public const int ScrapeRequestLength = 16 + InfoHash.Length;
    public const int ScrapeResponseLength = 8 + 12;
    public const int HeaderLength = 8;

    /// <summary>Every request carries its transaction id at this offset (after the 8-byte connection id and the action).</summary>
    public const int RequestTransactionIdOffset = 12;

    public enum Action : uint
    {
        Connect = 0,
        Announce = 1,
        Scrape = 2,
        Error = 3,
    }

    public static void WriteConnect(Span<byte> packet, uint transactionId) =>
        WriteHeader(packet, ProtocolId, Action.Connect, transactionId);

    public static void WriteAnnounce(Span<byte> packet, ulong connectionId, uint transactionId, AnnounceRequest request)
    {
        WriteHeader(packet, connectionId, Action.Announce, transactionId);
        request.InfoHash.CopyTo(packet.Slice(16, InfoHash.Length));
        request.PeerId.Span.CopyTo(packet.Slice(36, AnnounceRequest.PeerIdLength));
        BinaryPrimitives.WriteInt64BigEndian(packet[56..], request.Downloaded);
        BinaryPrimitives.WriteInt64BigEndian(packet[64..], request.Left);
        BinaryPrimitives.WriteInt64BigEndian(packet[72..], request.Uploaded);
        BinaryPrimitives.WriteUInt32BigEndian(packet[80..], EventCode(request.Event));
        // The address field is 32 bits wide: only an IPv4 --announce-ip fits; 0 means "the packet's source address".
        packet.Slice(84, 4).Clear();
        if (request.Ip is not null && IPAddress.TryParse(request.Ip, out var ip) && ip.AddressFamily == AddressFamily.InterNetwork)
            ip.TryWriteBytes(packet.Slice(84, 4), out _);
        BinaryPrimitives.WriteUInt32BigEndian(packet[88..], request.Key);
        BinaryPrimitives.WriteInt32BigEndian(packet[92..], request.NumWant);
        BinaryPrimitives.WriteUInt16BigEndian(packet[96..], (ushort)request.Port);
    }

    public static void WriteScrape(Span<byte> packet, ulong connectionId, uint transactionId, InfoHash hash)
    {
        WriteHeader(packet, connectionId, Action.Scrape, transactionId);
        hash.CopyTo(packet.Slice(16, InfoHash.Length));
    }

    /// <summary>BEP 15 numbers events differently from their order in BEP 3: none 0, completed 1, started 2, stopped 3.</summary>
    public static uint EventCode(AnnounceEvent announceEvent) => announceEvent switch
    {
        AnnounceEvent.Completed => 1,
        AnnounceEvent.Started => 2,
        AnnounceEvent.Stopped => 3,
        _ => 0,
    };

    /// <summary>Reads the action and transaction id every response starts with; false for packets too short to have them.</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> packet, out Action action, out uint transactionId)
    {
        if (packet.Length < HeaderLength)
        {
            action = default;
            transactionId = 0;
            return false;
        }
        action = (Action)BinaryPrimitives.ReadUInt32BigEndian(packet);
        transactionId = BinaryPrimitives.ReadUInt32BigEndian(packet[4..]);
        return true;
    }

    public static ulong ReadConnect(ReadOnlySpan<byte> packet, Uri tracker)
    {
        Expect(packet, Action.Connect, ConnectResponseLength, tracker);
        return BinaryPrimitives.ReadUInt64BigEndian(packet[8..]);
    }

    /// <summary>Reads an announce answer whose peers are <paramref name="stride"/> bytes each (6 over IPv4, 18 over IPv6).</summary>
    public static AnnounceResponse ReadAnnounce(ReadOnlySpan<byte> packet, int stride, int maxPeers, Uri tracker)
    {
        // Whitelisting trackers (opentracker) refuse an unknown torrent with a bare header: no counters, no message.
        if (packet.Length == HeaderLength && TryReadHeader(packet, out var action, out _) && action == Action.Announce)
            throw new TrackerException(tracker, TrackerErrorKind.Failure, "answered an empty announce: it probably does not track this torrent");
        Expect(packet, Action.Announce, AnnounceResponseHeaderLength, tracker);
        int interval = BinaryPrimitives.ReadInt32BigEndian(packet[8..]);
        int leechers = BinaryPrimitives.ReadInt32BigEndian(packet[12..]);
        int seeders = BinaryPrimitives.ReadInt32BigEndian(packet[16..]);
        if (interval < 0 || leechers < 0 || seeders < 0)
            throw Invalid(tracker, "answered an announce with a negative interval or peer count");
        var peers = new List<IPEndPoint>(Math.Min((packet.Length - AnnounceResponseHeaderLength) / stride, maxPeers));
        if (!CompactPeers.TryParse(packet[AnnounceResponseHeaderLength..], stride, peers, maxPeers))
            throw Invalid(tracker, $"answered an announce whose {packet.Length - AnnounceResponseHeaderLength} bytes of peers are not a multiple of {stride}");
        return new AnnounceResponse(TimeSpan.FromSeconds(interval), null, peers, seeders, leechers, null);
    }

    public static ScrapeResult ReadScrape(ReadOnlySpan<byte> packet, Uri tracker)
    {
        Expect(packet, Action.Scrape, ScrapeResponseLength, tracker);
        int seeders = BinaryPrimitives.ReadInt32BigEndian(packet[8..]);
        int completed = BinaryPrimitives.ReadInt32BigEndian(packet[12..]);
        int leechers = BinaryPrimitives.ReadInt32BigEndian(packet[16..]);
        if (seeders < 0 || completed < 0 || leechers < 0) throw Invalid(tracker, "answered a scrape with a negative count");
        return new ScrapeResult(seeders, completed, leechers);
    }

    /// <summary>Throws for an error packet (as a <see cref="TrackerErrorKind.Failure"/>), an unexpected action or a short packet.</summary>
    private static void Expect(ReadOnlySpan<byte> packet, Action expected, int minimumLength, Uri tracker)
    {
        if (!TryReadHeader(packet, out var action, out _)) throw Invalid(tracker, $"answered a packet of {packet.Length} bytes, too short for a header");
        if (action == Action.Error)
        {
            var reason = TrackerException.Printable(packet[HeaderLength..]);
            throw new TrackerException(tracker, TrackerErrorKind.Failure, $"refused the request: {reason}") { FailureReason = reason };
        }
        if (action != expected) throw Invalid(tracker, $"answered action {(uint)action} where {expected.ToString().ToLowerInvariant()} was expected");
        if (packet.Length < minimumLength)
            throw Invalid(tracker, $"answered a too short {expected.ToString().ToLowerInvariant()} packet ({packet.Length} bytes, at least {minimumLength} expected)");
    }

    private static void WriteHeader(Span<byte> packet, ulong connectionId, Action action, uint transactionId)
    {
        BinaryPrimitives.WriteUInt64BigEndian(packet, connectionId);
        BinaryPrimitives.WriteUInt32BigEndian(packet[8..], (uint)action);
        BinaryPrimitives.WriteUInt32BigEndian(packet[RequestTransactionIdOffset..], transactionId);
    }

    private static TrackerException Invalid(Uri tracker, string what) => new(tracker, TrackerErrorKind.InvalidResponse, what);
}
