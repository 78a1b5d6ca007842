namespace Shoal.Swarm;

/// <summary>
/// Our outstanding requests to one peer, oldest first. Peers answer in order almost always, so removal
/// checks the head first; it falls back to a scan (bounded by the queue depth).
/// </summary>
internal sealed class RequestQueue
{
    private BlockRequest[] _items = new BlockRequest[64];
    private long[] _sentAt = new long[64];
    private int _head;
    private int _count;

    // Blocks the peer may still send though we no longer wait for them (we cancelled or dropped the request).
    private const int MaxLateAllowance = 4096;
    private int _lateAllowance;

    public int Count => _count;

    /// <summary>
    /// A block arrived that is not outstanding: true if it may be a late answer to a request we gave up on (each such
    /// request excuses one block). A peer sending more is sending blocks nobody asked it for.
    /// </summary>
    public bool TryExcuseLateBlock()
    {
        if (_lateAllowance == 0) return false;
        _lateAllowance--;
        return true;
    }

    /// <summary>We cancelled the request (another peer delivered the block): its block may still come.</summary>
    public bool Cancel(int piece, int begin)
    {
        if (!Remove(piece, begin)) return false;
        Excuse(1);
        return true;
    }

    private void Excuse(int blocks) => _lateAllowance = Math.Min(MaxLateAllowance, _lateAllowance + blocks);

    public void Add(BlockRequest request, long timestamp)
    {
        if (_count == _items.Length) Grow();
        int index = (_head + _count) % _items.Length;
        _items[index] = request;
        _sentAt[index] = timestamp;
        _count++;
    }

    public bool Contains(int piece, int begin) => IndexOf(piece, begin) >= 0;

    /// <summary>Removes the matching request; false if it was not outstanding.</summary>
    public bool Remove(int piece, int begin)
    {
        int offset = IndexOf(piece, begin);
        if (offset < 0) return false;
        if (offset == 0)
        {
            _head = (_head + 1) % _items.Length;
            _count--;
            return true;
        }
        // Shift the later ones down by one (rare: out-of-order answers).
        for (int i = offset; i < _count - 1; i++)
        {
            int to = (_head + i) % _items.Length, from = (_head + i + 1) % _items.Length;
            _items[to] = _items[from];
            _sentAt[to] = _sentAt[from];
        }
        _count--;
        return true;
    }

    /// <summary>The time the oldest outstanding request was sent, or null if none.</summary>
    public long? OldestTimestamp => _count == 0 ? null : _sentAt[_head];

    /// <summary>Removes everything, handing each request to <paramref name="release"/>.</summary>
    public void Clear(Action<BlockRequest> release)
    {
        for (int i = 0; i < _count; i++) release(_items[(_head + i) % _items.Length]);
        Excuse(_count);
        _head = 0;
        _count = 0;
    }

    /// <summary>Removes requests matching <paramref name="predicate"/>, handing each to <paramref name="release"/>.</summary>
    public void RemoveWhere(Func<BlockRequest, bool> predicate, Action<BlockRequest> release)
    {
        var kept = new List<(BlockRequest, long)>(_count);
        for (int i = 0; i < _count; i++)
        {
            int index = (_head + i) % _items.Length;
            if (predicate(_items[index])) release(_items[index]);
            else kept.Add((_items[index], _sentAt[index]));
        }
        Excuse(_count - kept.Count);
        _head = 0;
        _count = 0;
        foreach (var (item, at) in kept) Add(item, at);
    }

    private int IndexOf(int piece, int begin)
    {
        for (int i = 0; i < _count; i++)
        {
            ref var item = ref _items[(_head + i) % _items.Length];
            if (item.Piece == piece && item.Begin == begin) return i;
        }
        return -1;
    }

    private void Grow()
    {
        var items = new BlockRequest[_items.Length * 2];
        var sent = new long[_items.Length * 2];
        for (int i = 0; i < _count; i++)
        {
            items[i] = _items[(_head + i) % _items.Length];
            sent[i] = _sentAt[(_head + i) % _items.Length];
        }
        _items = items;
        _sentAt = sent;
        _head = 0;
    }
}
