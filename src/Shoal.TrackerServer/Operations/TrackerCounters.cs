namespace Shoal.TrackerServer.Operations;

/// <summary>Monotonic request counters shared by both front-ends (for /metrics, /stats.json and the announce rate).</summary>
public sealed class TrackerCounters
{
    private long _httpAnnounces, _udpAnnounces, _httpScrapes, _udpScrapes, _udpConnects, _badRequests, _refused, _rateLimited, _udpDropped;

    public long HttpAnnounces => Volatile.Read(ref _httpAnnounces);
    public long UdpAnnounces => Volatile.Read(ref _udpAnnounces);
    public long HttpScrapes => Volatile.Read(ref _httpScrapes);
    public long UdpScrapes => Volatile.Read(ref _udpScrapes);
    public long UdpConnects => Volatile.Read(ref _udpConnects);
    /// <summary>Requests answered with a failure/error because they were malformed.</summary>
    public long BadRequests => Volatile.Read(ref _badRequests);
    /// <summary>Well-formed announces refused (torrent not allowed, tracker full).</summary>
    public long Refused => Volatile.Read(ref _refused);
    public long RateLimited => Volatile.Read(ref _rateLimited);
    /// <summary>UDP datagrams ignored: too short, unknown connection id, or unreadable.</summary>
    public long UdpDropped => Volatile.Read(ref _udpDropped);

    public long Announces => HttpAnnounces + UdpAnnounces;

    internal void HttpAnnounce() => Interlocked.Increment(ref _httpAnnounces);
    internal void UdpAnnounce() => Interlocked.Increment(ref _udpAnnounces);
    internal void HttpScrape() => Interlocked.Increment(ref _httpScrapes);
    internal void UdpScrape() => Interlocked.Increment(ref _udpScrapes);
    internal void UdpConnect() => Interlocked.Increment(ref _udpConnects);
    internal void BadRequest() => Interlocked.Increment(ref _badRequests);
    internal void Refuse() => Interlocked.Increment(ref _refused);
    internal void RateLimit() => Interlocked.Increment(ref _rateLimited);
    internal void UdpDrop() => Interlocked.Increment(ref _udpDropped);
}
