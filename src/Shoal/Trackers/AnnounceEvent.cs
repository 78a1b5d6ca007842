namespace Shoal.Trackers;

/// <summary>
/// The <c>event</c> of an announce (BEP 3 names), for the tracker client and server alike. The numbers are BEP 15's,
/// which differ from BEP 3's order: none 0, completed 1, started 2, stopped 3.
/// </summary>
public enum AnnounceEvent
{
    /// <summary>A regular re-announce.</summary>
    None = 0,
    Completed = 1,
    Started = 2,
    Stopped = 3,
}
