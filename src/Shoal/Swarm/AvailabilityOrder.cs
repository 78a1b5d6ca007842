namespace Shoal.Swarm;

/// <summary>
/// The pieces still free to start, kept sorted by availability (how many connected peers have each) in O(1)
/// per availability change: the array is split into buckets, one per availability count, and a piece moves
/// between neighbouring buckets by one swap and one boundary shift (libtorrent's piece_picker does the same).
/// Pieces within a bucket are in random order, so peers spread over different rare pieces.
/// Not thread-safe: owned by the torrent's picker, under its lock.
/// </summary>
internal sealed class AvailabilityOrder
{
    private readonly int[] _order;      // free pieces, rarest first
    private readonly int[] _position;   // piece → index in _order, or -1 when not free
    private readonly int[] _availability;
    private readonly List<int> _bucketStart = [0, 0]; // bucket b = [_bucketStart[b], _bucketStart[b+1]); last entry = Count

    public AvailabilityOrder(int pieceCount)
    {
        _order = new int[pieceCount];
        _position = new int[pieceCount];
        _availability = new int[pieceCount];
        Array.Fill(_position, -1);
    }

    public int Count => _bucketStart[^1];

    public int this[int index] => _order[index];

    public int Availability(int piece) => _availability[piece];

    public bool IsFree(int piece) => _position[piece] >= 0;

    /// <summary>Where the piece is in the order (lower = rarer; random among equally rare), or -1 when not free.</summary>
    public int PositionOf(int piece) => _position[piece];

    /// <summary>Index in the order where pieces that some connected peer has begin (availability ≥ 1).</summary>
    public int FirstAvailableIndex => _bucketStart.Count > 2 ? _bucketStart[1] : Count;

    /// <summary>Adds every piece in <paramref name="pieces"/> as free, in random order (at start, and as pieces become wanted).</summary>
    public void AddInitial(IEnumerable<int> pieces, Random random)
    {
        var list = pieces.ToArray();
        random.Shuffle(list);
        foreach (int piece in list) Add(piece);
    }

    /// <summary>
    /// Adds (+1) or removes (-1) a whole bitfield's availability. Free pieces are visited in their current order, not by
    /// index: visiting 0, 1, 2 … would leave each bucket sorted by index (every swap moves a piece to a bucket edge), and
    /// every leecher of a fresh swarm would then ask the seeder for the same pieces in the same order.
    /// </summary>
    public void Apply(Shoal.Storage.Bitfield pieces, int sign)
    {
        int count = Count;
        var snapshot = System.Buffers.ArrayPool<int>.Shared.Rent(Math.Max(count, 1));
        try
        {
            Array.Copy(_order, snapshot, count);
            for (int i = 0; i < count; i++) Change(snapshot[i], pieces, sign);
            for (int piece = 0; piece < pieces.Count; piece++)
                if (_position[piece] < 0) Change(piece, pieces, sign);
        }
        finally
        {
            System.Buffers.ArrayPool<int>.Shared.Return(snapshot);
        }
    }

    private void Change(int piece, Shoal.Storage.Bitfield pieces, int sign)
    {
        if (!pieces[piece]) return;
        if (sign > 0) Increment(piece);
        else Decrement(piece);
    }

    public void Increment(int piece)
    {
        int a = _availability[piece]++;
        if (a + 2 >= _bucketStart.Count) _bucketStart.Add(Count);
        if (_position[piece] < 0) return;
        int last = _bucketStart[a + 1] - 1;
        Swap(_position[piece], last);
        _bucketStart[a + 1]--;
    }

    public void Decrement(int piece)
    {
        int a = _availability[piece]--;
        if (a <= 0) throw new InvalidOperationException($"availability of piece {piece} would go negative");
        if (_position[piece] < 0) return;
        Swap(_position[piece], _bucketStart[a]);
        _bucketStart[a]++;
    }

    /// <summary>Takes a piece out of the free set (it started downloading or is already had).</summary>
    public void Remove(int piece)
    {
        if (_position[piece] < 0) return;
        // Walk the piece up through the higher buckets to the end, shrinking each boundary by one.
        for (int b = _availability[piece]; b < _bucketStart.Count - 1; b++)
        {
            int last = _bucketStart[b + 1] - 1;
            Swap(_position[piece], last);
            _bucketStart[b + 1]--;
        }
        _position[piece] = -1;
    }

    /// <summary>Puts a piece back into the free set (its download was abandoned or failed verification).</summary>
    public void Add(int piece)
    {
        if (_position[piece] >= 0) return;
        int index = Count;
        _order[index] = piece;
        _position[piece] = index;
        _bucketStart[^1]++;
        // Walk it down from the last bucket to its own, growing each boundary by one.
        for (int b = _bucketStart.Count - 2; b > _availability[piece]; b--)
        {
            Swap(_position[piece], _bucketStart[b]);
            _bucketStart[b]++;
        }
    }

    private void Swap(int i, int j)
    {
        if (i == j) return;
        (_order[i], _order[j]) = (_order[j], _order[i]);
        _position[_order[i]] = i;
        _position[_order[j]] = j;
    }
}
