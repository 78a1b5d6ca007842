using System.Net;

namespace Shoal.Discovery.Dht;

internal enum AddOutcome : byte
{
    /// <summary>Now in a bucket.</summary>
    Added,
    /// <summary>Was in a bucket already (same id, same endpoint); its times were refreshed.</summary>
    Refreshed,
    /// <summary>Kept in the bucket's replacement cache until a bucket entry goes bad.</summary>
    Cached,
    /// <summary>Not kept: our own id, or the id is in the table under another endpoint.</summary>
    Rejected,
}

/// <summary>
/// The BEP 5 routing table for one address family: k-buckets of <see cref="K"/> nodes over the 160-bit id space, where
/// only the bucket holding our own id ever splits. Bucket i (but the last) holds the nodes sharing exactly i leading
/// bits with us; the last bucket holds everything closer. Each bucket keeps up to K replacements: nodes that answered
/// while it was full, promoted when an entry goes bad. Only nodes that answered one of our queries are added (the
/// caller checks that), so a spoofed source address cannot get in.
/// BEP 42 preference: a conforming newcomer replaces a questionable non-conforming entry at once, and conforming
/// replacements are promoted first; non-conforming nodes are still accepted where there is room.
/// </summary>
internal sealed class RoutingTable
{
    public const int K = 8;

    private readonly List<Bucket> _buckets = [new Bucket()];
    private readonly Dictionary<IPEndPoint, DhtContact> _byEndPoint = [];

    public RoutingTable(NodeId self) => Self = self;

    public NodeId Self { get; }

    public int BucketCount => _buckets.Count;

    /// <summary>Entries in buckets (good, questionable and bad), not counting replacements.</summary>
    public int Count { get; private set; }

    public int ReplacementCount => _byEndPoint.Count - Count;

    public IReadOnlyList<Bucket> Buckets => _buckets;

    public DhtContact? Find(IPEndPoint endPoint) => _byEndPoint.GetValueOrDefault(endPoint);

    public int BucketIndexOf(NodeId id) => Math.Min(Self.CommonPrefixLength(id), _buckets.Count - 1);

    /// <summary>
    /// Adds or refreshes a node that just answered us. When its bucket is full of good nodes it goes to the replacement
    /// cache, and <paramref name="toPing"/> names the least recently seen questionable entry, which the caller pings: if
    /// that fails twice the entry turns bad and the best replacement takes its place.
    /// </summary>
    public AddOutcome AddResponding(NodeId id, IPEndPoint endPoint, bool conforming, long now, out DhtContact? toPing)
    {
        toPing = null;
        if (id == Self) return AddOutcome.Rejected;
        if (_byEndPoint.TryGetValue(endPoint, out var known))
        {
            if (known.Id != id) return AddOutcome.Rejected; // the caller removes a contact whose id changed first
            known.LastResponse = now;
            known.Failures = 0;
            var home = _buckets[BucketIndexOf(id)];
            if (home.Nodes.Contains(known)) return AddOutcome.Refreshed;
            home.Replacements.Remove(known);
            _byEndPoint.Remove(endPoint);
        }
        var contact = new DhtContact(id, endPoint, conforming) { LastResponse = now };
        return Insert(contact, now, out toPing);
    }

    /// <summary>Whether a node with this id would be kept if it answered (used before spending a ping on a stranger).</summary>
    public bool WouldAccept(NodeId id, long now)
    {
        if (id == Self) return false;
        int index = BucketIndexOf(id);
        var bucket = _buckets[index];
        return bucket.Nodes.Count < K || (index == _buckets.Count - 1 && _buckets.Count < NodeId.Bits)
            || bucket.Nodes.Exists(c => c.State(now) == ContactState.Bad) || bucket.Replacements.Count < K;
    }

    /// <summary>Counts a query it did not answer; a node that turned bad is replaced by the best replacement, if any.</summary>
    public void RecordFailure(DhtContact contact, long now)
    {
        contact.Failures++;
        if (contact.State(now) != ContactState.Bad) return;
        var bucket = _buckets[BucketIndexOf(contact.Id)];
        if (bucket.Replacements.Remove(contact))
        {
            _byEndPoint.Remove(contact.EndPoint);
            return;
        }
        if (bucket.Nodes.Contains(contact) && TakeReplacement(bucket) is { } replacement) Replace(bucket, contact, replacement, now);
    }

    /// <summary>Removes a node entirely (its id changed, or it misbehaved).</summary>
    public void Remove(DhtContact contact)
    {
        if (!_byEndPoint.Remove(contact.EndPoint)) return;
        var bucket = _buckets[BucketIndexOf(contact.Id)];
        if (bucket.Nodes.Remove(contact))
        {
            Count--;
            Refill(bucket);
        }
        else bucket.Replacements.Remove(contact);
    }

    /// <summary>Marks a query received from a node in the table (keeps an answering node good).</summary>
    public void RecordQueryFrom(DhtContact contact, long now) => contact.LastQueryFrom = now;

    /// <summary>
    /// Fills <paramref name="into"/> with the (up to) <paramref name="count"/> entries closest to <paramref name="target"/>,
    /// closest first, leaving out bad ones (and questionable ones too when <paramref name="goodOnly"/>).
    /// </summary>
    public void Closest(NodeId target, int count, List<DhtContact> into, long now, bool goodOnly = false)
    {
        into.Clear();
        if (count <= 0) return;
        foreach (var bucket in _buckets)
        {
            foreach (var contact in bucket.Nodes)
            {
                var state = contact.State(now);
                if (state == ContactState.Bad || goodOnly && state != ContactState.Good) continue;
                InsertSorted(into, contact, target, count);
            }
        }
    }

    /// <summary>A table around a new id of ours holding the old table's contacts (entries first, then replacements).</summary>
    public static RoutingTable Rebuild(RoutingTable old, NodeId self, long now)
    {
        var table = new RoutingTable(self);
        foreach (var contact in old._buckets.SelectMany(b => b.Nodes).Concat(old._buckets.SelectMany(b => b.Replacements)))
            if (contact.Id != self) table.Insert(contact, now, out _);
        return table;
    }

    /// <summary>Every entry and replacement (for saving and for rebuilding around a new id).</summary>
    public IEnumerable<DhtContact> All() => _buckets.SelectMany(b => b.Nodes.Concat(b.Replacements));

    /// <summary>A random id that falls in bucket <paramref name="index"/>: the target of its refresh lookup.</summary>
    public NodeId RandomIdIn(int index, Random random) =>
        index == _buckets.Count - 1 ? Self.RandomWithPrefix(index, random, differAtNextBit: false) : Self.RandomWithPrefix(index, random, differAtNextBit: true);

    private AddOutcome Insert(DhtContact contact, long now, out DhtContact? toPing)
    {
        toPing = null;
        while (true)
        {
            int index = BucketIndexOf(contact.Id);
            var bucket = _buckets[index];
            if (bucket.Nodes.Exists(c => c.Id == contact.Id) || bucket.Replacements.Exists(c => c.Id == contact.Id))
                return AddOutcome.Rejected; // that id is already here at another address: keep the one we know
            if (bucket.Nodes.Count < K)
            {
                bucket.Nodes.Add(contact);
                bucket.LastChanged = now;
                _byEndPoint[contact.EndPoint] = contact;
                Count++;
                return AddOutcome.Added;
            }
            if (index == _buckets.Count - 1 && _buckets.Count < NodeId.Bits)
            {
                Split();
                continue;
            }
            var evict = bucket.Nodes.Find(c => c.State(now) == ContactState.Bad)
                ?? (contact.Conforming ? bucket.Nodes.Find(c => !c.Conforming && c.State(now) == ContactState.Questionable) : null);
            if (evict is not null)
            {
                Replace(bucket, evict, contact, now);
                return AddOutcome.Added;
            }
            Cache(bucket, contact);
            toPing = LeastRecentlySeenQuestionable(bucket, now);
            return AddOutcome.Cached;
        }
    }

    /// <summary>Splits the last bucket: the nodes sharing one more bit with us move to a new last bucket.</summary>
    private void Split()
    {
        int index = _buckets.Count - 1;
        var old = _buckets[index];
        var next = new Bucket { LastChanged = old.LastChanged };
        _buckets.Add(next);
        old.Nodes.RemoveAll(c => Moves(c, next.Nodes));
        old.Replacements.RemoveAll(c => Moves(c, next.Replacements));
        Refill(old);
        Refill(next);

        bool Moves(DhtContact c, List<DhtContact> to)
        {
            if (Self.CommonPrefixLength(c.Id) <= index) return false;
            to.Add(c);
            return true;
        }
    }

    private void Refill(Bucket bucket)
    {
        while (bucket.Nodes.Count < K && TakeReplacement(bucket) is { } replacement)
        {
            bucket.Nodes.Add(replacement);
            Count++;
        }
    }

    /// <summary>Puts <paramref name="replacement"/> in the slot of <paramref name="old"/>, which leaves the table.</summary>
    private void Replace(Bucket bucket, DhtContact old, DhtContact replacement, long now)
    {
        bucket.Nodes[bucket.Nodes.IndexOf(old)] = replacement;
        bucket.LastChanged = now;
        _byEndPoint.Remove(old.EndPoint);
        _byEndPoint[replacement.EndPoint] = replacement;
    }

    private void Cache(Bucket bucket, DhtContact contact)
    {
        if (bucket.Replacements.Count >= K)
        {
            // Full: a conforming newcomer pushes out the oldest non-conforming replacement; otherwise the oldest leaves.
            var drop = (contact.Conforming ? bucket.Replacements.Find(c => !c.Conforming) : null) ?? bucket.Replacements[0];
            bucket.Replacements.Remove(drop);
            _byEndPoint.Remove(drop.EndPoint);
        }
        bucket.Replacements.Add(contact);
        _byEndPoint[contact.EndPoint] = contact;
    }

    /// <summary>The replacement to promote: the most recently answering conforming one, else the most recent one.</summary>
    private static DhtContact? TakeReplacement(Bucket bucket)
    {
        DhtContact? best = null;
        foreach (var c in bucket.Replacements)
        {
            if (c.Failures >= DhtContact.FailuresUntilBad) continue;
            if (best is null || (c.Conforming, c.LastResponse).CompareTo((best.Conforming, best.LastResponse)) > 0) best = c;
        }
        if (best is not null) bucket.Replacements.Remove(best);
        return best;
    }

    private static DhtContact? LeastRecentlySeenQuestionable(Bucket bucket, long now)
    {
        DhtContact? oldest = null;
        foreach (var c in bucket.Nodes)
            if (c.State(now) == ContactState.Questionable && (oldest is null || c.LastSeen < oldest.LastSeen)) oldest = c;
        return oldest;
    }

    private static void InsertSorted(List<DhtContact> into, DhtContact contact, NodeId target, int count)
    {
        int at = into.Count;
        while (at > 0 && NodeId.CompareDistance(target, contact.Id, into[at - 1].Id) < 0) at--;
        if (at >= count) return;
        if (into.Count == count) into.RemoveAt(count - 1);
        into.Insert(at, contact);
    }

    internal sealed class Bucket
    {
        public List<DhtContact> Nodes { get; } = new(K);

        public List<DhtContact> Replacements { get; } = [];

        /// <summary>When an entry was last added or replaced (BEP 5 "last changed"), for the 15-minute refresh.</summary>
        public long LastChanged { get; set; }
    }
}
