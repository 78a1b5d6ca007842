using Shoal.TrackerServer.Registry;
using Shoal.Trackers.Udp;

namespace Shoal.TrackerServer.Udp;

/// <summary>
/// The server's UDP buffer size. The BEP 15 format itself is the library's <see cref="UdpTrackerCodec"/>, shared with
/// the tracker client; only the size of the answer buffers (sized for any numwant cap) is the server's own.
/// </summary>
internal static class UdpProtocol
{
    public const int MaxPacket = UdpTrackerCodec.AnnounceAnswerHeaderLength + TrackerOptions.MaxNumWantLimit * PeerEndpoint.CompactV6Length;
}
