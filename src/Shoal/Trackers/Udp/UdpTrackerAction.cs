namespace Shoal.Trackers.Udp;

/// <summary>The action field of every BEP 15 request and answer.</summary>
public enum UdpTrackerAction
{
    Connect = 0,
    Announce = 1,
    Scrape = 2,
    /// <summary>Only in answers: the tracker refuses the request, with a message.</summary>
    Error = 3,
}
