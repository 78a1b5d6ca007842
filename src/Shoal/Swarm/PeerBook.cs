using System.Net;
using Shoal.Metainfo;
using Shoal.Transport;
using Shoal.Wire;

namespace Shoal.Swarm;

/// <summary>Where a peer address came from (for display and for deciding whom to trust).</summary>
public enum PeerSource
{
    Manual,
    Tracker,
    Incoming,
    PeerExchange,
    LocalDiscovery,
    Dht,
}

/// <summary>
/// Every peer address a torrent has heard of, with connection history: which to dial next, which failed
/// recently (retried with growing delays), which are banned. Bounded, so a flood of addresses costs nothing.
/// Not thread-safe: used under the session lock.
/// </summary>
internal sealed class PeerBook(TimeProvider time, int capacity = 2000)
{
    private readonly Dictionary<IPEndPoint, Entry> _entries = [];
    private const int MaxBannedAddresses = 10_000;

    private readonly HashSet<IPAddress> _bannedAddresses = [];
    private readonly Queue<IPAddress> _banOrder = new();

    public int Count => _entries.Count;

    public IEnumerable<Entry> Entries => _entries.Values;

    public sealed class Entry(IPEndPoint endPoint, PeerSource source)
    {
        public IPEndPoint EndPoint { get; } = endPoint;
        public PeerSource Source { get; set; } = source;
        public bool Connected { get; set; }
        public bool Connecting { get; set; }
        public int Failures { get; set; }
        public long RetryAt { get; set; }
        public bool Banned { get; set; }
        /// <summary>Our own listener (we connected to ourselves): never dial again.</summary>
        public bool IsSelf { get; set; }
        /// <summary>A hybrid's v2 swarm hash when the address was heard of only there (it is dialled with it); null: the torrent's own.</summary>
        public InfoHash? Swarm { get; set; }

        /// <summary>The transport to dial first, from PEX flags (see <see cref="NoteExchangeFlags"/>); null: the dialer's default.</summary>
        public TransportKind? DialFirst { get; set; }

        /// <summary>
        /// BEP 11 flags from a PEX message: a peer flagged as speaking uTP is dialled over uTP first (any one report is
        /// enough: the flag is only ever positive); a peer first heard of by PEX without the flag, over TCP first, since
        /// the reporter reached it over TCP (a TCP-only peer then costs no uTP head start).
        /// </summary>
        public void NoteExchangeFlags(PexFlags flags, bool isNew)
        {
            if ((flags & PexFlags.SupportsUtp) != 0) DialFirst = TransportKind.Utp;
            else if (isNew) DialFirst = TransportKind.Tcp;
        }
    }

    /// <param name="swarm">The hybrid's v2 swarm the address was found in; null for the torrent's own hash. An address
    /// heard in both is dialled in the v1 swarm, which every client of a hybrid joins.</param>
    public bool Add(IPEndPoint endPoint, PeerSource source, InfoHash? swarm = null)
    {
        if (_entries.TryGetValue(endPoint, out var known))
        {
            if (swarm is null) known.Swarm = null;
            return false;
        }
        if (_bannedAddresses.Contains(endPoint.Address)) return false;
        if (_entries.Count >= capacity && !EvictOne()) return false;
        _entries[endPoint] = new Entry(endPoint, source) { Swarm = swarm };
        return true;
    }

    public Entry? Get(IPEndPoint endPoint) => _entries.GetValueOrDefault(endPoint);

    public Entry GetOrAdd(IPEndPoint endPoint, PeerSource source)
    {
        if (_entries.TryGetValue(endPoint, out var entry)) return entry;
        Add(endPoint, source);
        return _entries.GetValueOrDefault(endPoint) ?? new Entry(endPoint, source);
    }

    /// <summary>Addresses worth dialling now, fewest failures first.</summary>
    public IEnumerable<Entry> Candidates()
    {
        long now = time.GetTimestamp();
        return _entries.Values
            .Where(e => !e.Connected && !e.Connecting && !e.Banned && !e.IsSelf && e.RetryAt <= now)
            .OrderBy(e => e.Failures);
    }

    public void MarkFailed(Entry entry)
    {
        entry.Connecting = false;
        entry.Connected = false;
        entry.Failures++;
        // 5 s, 10 s, 20 s ... capped at 10 minutes.
        double delay = Math.Min(600, 5 * Math.Pow(2, Math.Min(entry.Failures - 1, 10)));
        entry.RetryAt = time.GetTimestamp() + (long)(delay * time.TimestampFrequency);
    }

    public void MarkConnected(Entry entry)
    {
        entry.Connecting = false;
        entry.Connected = true;
        entry.Failures = 0;
    }

    public void MarkDisconnected(Entry entry, bool retrySoon)
    {
        entry.Connected = false;
        entry.Connecting = false;
        entry.RetryAt = time.GetTimestamp() + (long)((retrySoon ? 5 : 60) * time.TimestampFrequency);
    }

    /// <summary>Every address that is not banned may be dialled at once (a resumed torrent).</summary>
    public void RetryAllNow()
    {
        foreach (var entry in _entries.Values) entry.RetryAt = 0;
    }

    /// <summary>
    /// Bans the address, every port of it: a hostile peer that reconnects from another port, or advertises another
    /// listen port, is still refused. The oldest bans go first past <see cref="MaxBannedAddresses"/>.
    /// </summary>
    public void Ban(IPAddress address)
    {
        if (!_bannedAddresses.Add(address)) return;
        _banOrder.Enqueue(address);
        if (_banOrder.Count > MaxBannedAddresses) _bannedAddresses.Remove(_banOrder.Dequeue());
        foreach (var entry in _entries.Values)
            if (entry.EndPoint.Address.Equals(address)) entry.Banned = true;
    }

    public IReadOnlyCollection<IPAddress> BannedAddresses => [.. _bannedAddresses];

    public bool IsBanned(IPEndPoint endPoint) => IsBanned(endPoint.Address);

    public bool IsBanned(IPAddress address) => _bannedAddresses.Contains(address);

    private bool EvictOne()
    {
        var victim = _entries.Values.Where(e => !e.Connected && !e.Connecting && !e.Banned).MaxBy(e => e.Failures);
        return victim is not null && _entries.Remove(victim.EndPoint);
    }
}
