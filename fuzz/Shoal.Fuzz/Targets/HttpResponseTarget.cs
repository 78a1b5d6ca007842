using Shoal.Metainfo;
using Shoal.Trackers;

namespace Shoal.Fuzz.Targets;

/// <summary>
/// What an HTTP tracker answers (<see cref="HttpTrackerResponse"/>): announce and scrape bodies throw only
/// <see cref="TrackerException"/>; <see cref="HttpTrackerResponse.TryReadFailureReason"/> never throws.
/// The scrape is asked about the info-hash "aaaaaaaaaaaaaaaaaaaa" (in the dictionary), so its counters are reachable.
/// </summary>
internal sealed class HttpResponseTarget : FuzzTarget
{
    private static readonly Uri Tracker = new("http://tracker.invalid:6969/announce");
    private static readonly InfoHash ScrapedHash = new("aaaaaaaaaaaaaaaaaaaa"u8);
    private static readonly TrackerClientOptions Options = new() { MaxPeers = 50 };

    public override string Name => "http-response";

    public override string Description => "HttpTrackerResponse.ParseAnnounce/ParseScrape: TrackerException only; TryReadFailureReason never throws";

    public override bool Run(byte[] data)
    {
        bool accepted = false;
        try
        {
            var announce = HttpTrackerResponse.ParseAnnounce(data, Tracker, Options);
            if (announce.Response.Peers.Count > Options.MaxPeers)
                throw new InvariantViolation($"http-response: {announce.Response.Peers.Count} peers kept, at most {Options.MaxPeers} asked for");
            if (announce.Response.Interval < TimeSpan.Zero) throw new InvariantViolation("http-response: negative interval");
            accepted = true;
        }
        catch (TrackerException)
        {
        }
        try
        {
            accepted |= HttpTrackerResponse.ParseScrape(data, Tracker, ScrapedHash) is not null;
        }
        catch (TrackerException)
        {
        }
        accepted |= HttpTrackerResponse.TryReadFailureReason(data) is not null;
        return accepted;
    }
}
