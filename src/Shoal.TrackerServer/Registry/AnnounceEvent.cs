namespace Shoal.TrackerServer.Registry;

/// <summary>The announce event (BEP 3 names; the numbers are BEP 15's).</summary>
public enum AnnounceEvent
{
    None = 0,
    Completed = 1,
    Started = 2,
    Stopped = 3,
}
