using Shoal.Trackers;
using Shoal.Trackers.Udp;

namespace Shoal.Fuzz.Targets;

/// <summary>
/// What a UDP tracker sends back (<see cref="UdpTrackerCodec"/>): connect, announce (IPv4 and IPv6 peer strides) and
/// scrape answers: only <see cref="TrackerException"/>, and never more peers than asked for.
/// </summary>
internal sealed class UdpClientTarget : FuzzTarget
{
    private const int MaxPeers = 50;
    private static readonly Uri Tracker = new("udp://tracker.invalid:6969/announce");

    public override string Name => "udp-client";

    public override string Description => "UdpTrackerCodec.ReadConnectAnswer/ReadAnnounceAnswer/ReadScrapeAnswer (the codec shared with the server): TrackerException only";

    public override bool Run(byte[] data)
    {
        UdpTrackerCodec.TryReadAnswerHeader(data, out _, out _);
        bool accepted = false;
        try
        {
            UdpTrackerCodec.ReadConnectAnswer(data, Tracker);
            accepted = true;
        }
        catch (TrackerException)
        {
        }
        foreach (int stride in (int[])[CompactPeers.IPv4Stride, CompactPeers.IPv6Stride])
        {
            try
            {
                var answer = UdpTrackerCodec.ReadAnnounceAnswer(data, stride, MaxPeers, Tracker);
                if (answer.Peers.Count > MaxPeers) throw new InvariantViolation($"udp-client: {answer.Peers.Count} peers kept, at most {MaxPeers} asked for");
                accepted = true;
            }
            catch (TrackerException)
            {
            }
        }
        try
        {
            UdpTrackerCodec.ReadScrapeAnswer(data, Tracker);
            accepted = true;
        }
        catch (TrackerException)
        {
        }
        return accepted;
    }
}
