using System.Net;

namespace Shoal.Discovery.Dht;

/// <summary>
/// Token buckets for incoming queries: one per source address (refilled at <paramref name="perSecond"/>, holding at most
/// <paramref name="burst"/>) and one for all sources together. Only addresses seen recently are tracked, at most
/// <paramref name="maxTracked"/>: an address whose bucket would be full again is forgotten, and when the table is full of
/// busy addresses, new ones share the global bucket only — memory stays bounded under a spoofed flood.
/// </summary>
internal sealed class QueryRateLimiter(double perSecond, double burst, double globalPerSecond, int maxTracked)
{
    private readonly Dictionary<IPAddress, Bucket> _buckets = [];
    private Bucket _global = new(globalPerSecond * 2, 0);

    public int Tracked => _buckets.Count;

    public bool TryAcquire(IPAddress source, long now)
    {
        if (!Take(ref _global, globalPerSecond, globalPerSecond * 2, now)) return false;
        if (_buckets.TryGetValue(source, out var bucket))
        {
            bool allowed = Take(ref bucket, perSecond, burst, now);
            _buckets[source] = bucket;
            return allowed;
        }
        if (_buckets.Count >= maxTracked) Forget(now);
        if (_buckets.Count >= maxTracked) return true; // untracked, but still under the global limit
        _buckets[source] = new Bucket(burst - 1, now);
        return true;
    }

    /// <summary>Forgets every address whose bucket has refilled: remembering it changes nothing.</summary>
    public void Forget(long now)
    {
        long refill = (long)Math.Ceiling(burst / perSecond * 1000);
        foreach (var (address, bucket) in _buckets)
            if (now - bucket.Updated >= refill) _buckets.Remove(address);
    }

    private static bool Take(ref Bucket bucket, double perSecond, double burst, long now)
    {
        double tokens = Math.Min(burst, bucket.Tokens + (now - bucket.Updated) * perSecond / 1000);
        bucket = new Bucket(tokens, now);
        if (tokens < 1) return false;
        bucket = new Bucket(tokens - 1, now);
        return true;
    }

    private readonly record struct Bucket(double Tokens, long Updated);
}
