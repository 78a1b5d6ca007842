using System.Buffers.Binary;
using Microsoft.Extensions.Logging.Abstractions;
using Shoal.Trackers;
using Shoal.Trackers.Udp;
using Shoal.TrackerServer;
using Shoal.TrackerServer.Registry;
using Shoal.TrackerServer.Udp;

namespace Shoal.Fuzz.Targets;

/// <summary>
/// The tracker's UDP front door, <see cref="UdpRequestHandler.Handle"/>, over a fresh in-memory tracker: it never throws
/// and never answers with more than one unfragmented datagram. Input: byte 0 = flags (bit 0: the client is IPv6,
/// bit 1: the tracker trusts the announce's ip field), then datagrams, each behind a 2-byte big-endian length.
/// A request whose connection id is all zeros gets a valid id patched in, so announces and scrapes get past the id check.
/// </summary>
internal sealed class UdpServerTarget : FuzzTarget
{
    private const int MaxDatagram = 1500;
    private static readonly byte[] Reply = new byte[UdpProtocol.MaxPacket];
    private static readonly Uri Tracker = new("udp://127.0.0.1:6969/announce");

    public override string Name => "udp-server";

    public override string Description => "UdpRequestHandler.Handle (BEP 15 server over the shared codec): never throws, answers fit one datagram and read back";

    public override bool Run(byte[] data)
    {
        // No early return for empty input: SharpFuzz's very first run may see an empty input, and afl-fuzz refuses to
        // start if that run reaches no instrumented code.
        byte flags = data.Length > 0 ? data[0] : (byte)0;
        var options = new TrackerOptions { TrustIpParameter = (flags & 2) != 0 };
        var registry = new SwarmRegistry(options.AnnounceInterval * 1.5, TimeProvider.System);
        var handler = new UdpRequestHandler(new TrackerCore(options, registry, TimeProvider.System, NullLoggerFactory.Instance));
        var client = (flags & 1) != 0
            ? PeerEndpoint.FromAddress([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 6881)
            : PeerEndpoint.FromAddress([127, 0, 0, 1], 6881);

        bool answered = false;
        var rest = data.Length > 0 ? data.AsSpan(1) : default;
        while (rest.Length > 0)
        {
            int length = rest.Length >= 2 ? Math.Min(BinaryPrimitives.ReadUInt16BigEndian(rest), rest.Length - 2) : rest.Length;
            var packet = rest.Length >= 2 ? rest.Slice(2, length).ToArray() : rest.ToArray();
            rest = rest[Math.Min(rest.Length, 2 + length)..];
            if (packet.Length >= UdpTrackerCodec.RequestHeaderLength && BinaryPrimitives.ReadInt32BigEndian(packet.AsSpan(8)) != 0
                && !packet.AsSpan(0, 8).ContainsAnyExcept((byte)0))
                BinaryPrimitives.WriteUInt64BigEndian(packet, handler.Ids.Issue(in client));

            int answer = handler.Handle(packet, in client, Reply);
            if (answer is < 0 or > MaxDatagram) throw new InvariantViolation($"udp-server: answered {answer} bytes");
            if (answer > 0) answered |= ReadBack(Reply.AsSpan(0, answer), client.IsIPv6);
        }
        return answered;
    }

    // Both halves of the shared codec must agree: whatever the server writes, Shoal's own client reads.
    private static bool ReadBack(ReadOnlySpan<byte> answer, bool ipv6)
    {
        if (!UdpTrackerCodec.TryReadAnswerHeader(answer, out var action, out _)) throw new InvariantViolation("udp-server: answer without a header");
        try
        {
            switch (action)
            {
                case UdpTrackerAction.Connect:
                    UdpTrackerCodec.ReadConnectAnswer(answer, Tracker);
                    return true;
                case UdpTrackerAction.Announce:
                    UdpTrackerCodec.ReadAnnounceAnswer(answer, ipv6 ? 18 : 6, int.MaxValue, Tracker);
                    return true;
                case UdpTrackerAction.Scrape:
                    if ((answer.Length - UdpTrackerCodec.AnswerHeaderLength) % UdpTrackerCodec.ScrapeEntryLength != 0)
                        throw new InvariantViolation($"udp-server: a scrape answer of {answer.Length} bytes");
                    return true;
                case UdpTrackerAction.Error:
                    return false;
                default:
                    throw new InvariantViolation($"udp-server: answered action {(int)action}");
            }
        }
        catch (TrackerException ex)
        {
            throw new InvariantViolation($"udp-server: Shoal's client cannot read the answer: {ex.Message}");
        }
    }
}
