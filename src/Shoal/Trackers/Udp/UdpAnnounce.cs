using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Shoal.Metainfo;
using Shoal.Wire;

namespace Shoal.Trackers.Udp;

/// <summary>
/// The body of a BEP 15 announce request, as the client writes it and the server reads it.
/// <paramref name="IPv4"/> is the address the peer asks to be listed at (0: the packet's source address).
/// </summary>
public readonly record struct UdpAnnounce(
    InfoHash InfoHash,
    PeerId PeerId,
    long Downloaded,
    long Left,
    long Uploaded,
    AnnounceEvent Event,
    uint IPv4,
    uint Key,
    int NumWant,
    ushort Port)
{
    /// <summary>What a client sends for <paramref name="request"/> (already validated).</summary>
    public static UdpAnnounce From(AnnounceRequest request)
    {
        // The address field is 32 bits wide: only an IPv4 --announce-ip fits; 0 means "the packet's source address".
        uint ipv4 = 0;
        Span<byte> bytes = stackalloc byte[4];
        if (request.Ip is not null && IPAddress.TryParse(request.Ip, out var ip) && ip.AddressFamily == AddressFamily.InterNetwork
            && ip.TryWriteBytes(bytes, out _))
            ipv4 = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        return new UdpAnnounce(request.InfoHash, PeerId.From(request.PeerId.Span), request.Downloaded, request.Left, request.Uploaded,
            request.Event, ipv4, request.Key, request.NumWant, (ushort)request.Port);
    }
}
