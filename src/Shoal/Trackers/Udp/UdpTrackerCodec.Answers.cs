using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Shoal.Trackers.Udp;

/// <summary>
/// BEP 15 answers: the server writes them, the client reads them. The client's readers turn anything malformed into a
/// <see cref="TrackerException"/> naming the tracker, and an error answer into a <see cref="TrackerErrorKind.Failure"/>.
/// </summary>
public static partial class UdpTrackerCodec
{
    /// <summary>Action and transaction id: what every answer starts with.</summary>
    public const int AnswerHeaderLength = 8;
    public const int ConnectAnswerLength = 16;
    /// <summary>Header, interval, leechers, seeders; the compact peers follow.</summary>
    public const int AnnounceAnswerHeaderLength = 20;
    public const int ScrapeEntryLength = 12;
    public const int ScrapeAnswerLength = AnswerHeaderLength + ScrapeEntryLength;
    /// <summary>Characters of an error message sent at most.</summary>
    public const int MaxErrorMessage = 200;

    /// <summary>
    /// Peers per announce answer so that it fits one 1500-byte Ethernet frame unfragmented (1472 bytes of UDP payload over
    /// IPv4, 1452 over IPv6): 242 IPv4 or 79 IPv6 peers. Fragments get lost and some clients read into 1500-byte buffers.
    /// </summary>
    public static int MaxPeers(bool ipv6) =>
        ipv6 ? (1452 - AnnounceAnswerHeaderLength) / CompactPeers.IPv6Stride : (1472 - AnnounceAnswerHeaderLength) / CompactPeers.IPv4Stride;

    public static int WriteConnectAnswer(Span<byte> destination, uint transactionId, ulong connectionId)
    {
        WriteAnswerHeader(destination, UdpTrackerAction.Connect, transactionId);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], connectionId);
        return ConnectAnswerLength;
    }

    public static int WriteAnnounceAnswer(Span<byte> destination, uint transactionId, int interval, int leechers, int seeders, ReadOnlySpan<byte> peers)
    {
        WriteAnswerHeader(destination, UdpTrackerAction.Announce, transactionId);
        BinaryPrimitives.WriteInt32BigEndian(destination[8..], interval);
        BinaryPrimitives.WriteInt32BigEndian(destination[12..], leechers);
        BinaryPrimitives.WriteInt32BigEndian(destination[16..], seeders);
        peers.CopyTo(destination[AnnounceAnswerHeaderLength..]);
        return AnnounceAnswerHeaderLength + peers.Length;
    }

    /// <summary>The header of a scrape answer; one <see cref="WriteScrapeEntry"/> per requested hash follows.</summary>
    public static int WriteScrapeAnswerHeader(Span<byte> destination, uint transactionId) =>
        WriteAnswerHeader(destination, UdpTrackerAction.Scrape, transactionId);

    /// <summary>One 12-byte scrape entry in BEP 15 order: seeders, completed, leechers.</summary>
    public static int WriteScrapeEntry(Span<byte> destination, int seeders, long completed, int leechers)
    {
        BinaryPrimitives.WriteInt32BigEndian(destination, seeders);
        BinaryPrimitives.WriteInt32BigEndian(destination[4..], (int)Math.Min(int.MaxValue, completed));
        BinaryPrimitives.WriteInt32BigEndian(destination[8..], leechers);
        return ScrapeEntryLength;
    }

    /// <summary>An error answer; the message is cut to <see cref="MaxErrorMessage"/> characters.</summary>
    public static int WriteError(Span<byte> destination, uint transactionId, string message)
    {
        WriteAnswerHeader(destination, UdpTrackerAction.Error, transactionId);
        int length = Encoding.UTF8.GetBytes(message.AsSpan(0, Math.Min(message.Length, MaxErrorMessage)), destination[AnswerHeaderLength..]);
        return AnswerHeaderLength + length;
    }

    /// <summary>Reads the action and transaction id every answer starts with; false for packets too short to have them.</summary>
    public static bool TryReadAnswerHeader(ReadOnlySpan<byte> packet, out UdpTrackerAction action, out uint transactionId)
    {
        if (packet.Length < AnswerHeaderLength)
        {
            (action, transactionId) = (default, 0);
            return false;
        }
        action = (UdpTrackerAction)BinaryPrimitives.ReadInt32BigEndian(packet);
        transactionId = BinaryPrimitives.ReadUInt32BigEndian(packet[4..]);
        return true;
    }

    public static ulong ReadConnectAnswer(ReadOnlySpan<byte> packet, Uri tracker)
    {
        Expect(packet, UdpTrackerAction.Connect, ConnectAnswerLength, tracker);
        return BinaryPrimitives.ReadUInt64BigEndian(packet[8..]);
    }

    /// <summary>Reads an announce answer whose peers are <paramref name="stride"/> bytes each (6 over IPv4, 18 over IPv6).</summary>
    public static AnnounceResponse ReadAnnounceAnswer(ReadOnlySpan<byte> packet, int stride, int maxPeers, Uri tracker)
    {
        // Whitelisting trackers (opentracker) refuse an unknown torrent with a bare header: no counters, no message.
        if (packet.Length == AnswerHeaderLength && TryReadAnswerHeader(packet, out var action, out _) && action == UdpTrackerAction.Announce)
            throw new TrackerException(tracker, TrackerErrorKind.Failure, "answered an empty announce: it probably does not track this torrent");
        Expect(packet, UdpTrackerAction.Announce, AnnounceAnswerHeaderLength, tracker);
        int interval = BinaryPrimitives.ReadInt32BigEndian(packet[8..]);
        int leechers = BinaryPrimitives.ReadInt32BigEndian(packet[12..]);
        int seeders = BinaryPrimitives.ReadInt32BigEndian(packet[16..]);
        if (interval < 0 || leechers < 0 || seeders < 0)
            throw Invalid(tracker, "answered an announce with a negative interval or peer count");
        var peerBytes = packet[AnnounceAnswerHeaderLength..];
        var peers = new List<IPEndPoint>(Math.Min(peerBytes.Length / stride, maxPeers));
        if (!CompactPeers.TryParse(peerBytes, stride, peers, maxPeers))
            throw Invalid(tracker, $"answered an announce whose {peerBytes.Length} bytes of peers are not a multiple of {stride}");
        return new AnnounceResponse(TimeSpan.FromSeconds(interval), null, peers, seeders, leechers, null);
    }

    /// <summary>Reads a scrape answer for one info-hash.</summary>
    public static ScrapeResult ReadScrapeAnswer(ReadOnlySpan<byte> packet, Uri tracker)
    {
        Expect(packet, UdpTrackerAction.Scrape, ScrapeAnswerLength, tracker);
        int seeders = BinaryPrimitives.ReadInt32BigEndian(packet[8..]);
        int completed = BinaryPrimitives.ReadInt32BigEndian(packet[12..]);
        int leechers = BinaryPrimitives.ReadInt32BigEndian(packet[16..]);
        if (seeders < 0 || completed < 0 || leechers < 0) throw Invalid(tracker, "answered a scrape with a negative count");
        return new ScrapeResult(seeders, completed, leechers);
    }

    /// <summary>Throws for an error answer (as a <see cref="TrackerErrorKind.Failure"/>), an unexpected action or a short packet.</summary>
    private static void Expect(ReadOnlySpan<byte> packet, UdpTrackerAction expected, int minimumLength, Uri tracker)
    {
        if (!TryReadAnswerHeader(packet, out var action, out _))
            throw Invalid(tracker, $"answered a packet of {packet.Length} bytes, too short for a header");
        if (action == UdpTrackerAction.Error)
        {
            var reason = TrackerException.Printable(packet[AnswerHeaderLength..]);
            throw new TrackerException(tracker, TrackerErrorKind.Failure, $"refused the request: {reason}") { FailureReason = reason };
        }
        string name = expected.ToString().ToLowerInvariant();
        if (action != expected) throw Invalid(tracker, $"answered action {(uint)action} where {name} was expected");
        if (packet.Length < minimumLength)
            throw Invalid(tracker, $"answered a too short {name} packet ({packet.Length} bytes, at least {minimumLength} expected)");
    }

    private static int WriteAnswerHeader(Span<byte> destination, UdpTrackerAction action, uint transactionId)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)action);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], transactionId);
        return AnswerHeaderLength;
    }

    private static TrackerException Invalid(Uri tracker, string what) => new(tracker, TrackerErrorKind.InvalidResponse, what);
}
