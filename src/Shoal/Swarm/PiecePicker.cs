using System.Buffers;
using Shoal.Metainfo;
using Shoal.Storage;

namespace Shoal.Swarm;

/// <summary>What the picker needs to know about a peer.</summary>
internal interface IPickerPeer
{
    /// <summary>Pieces the peer has.</summary>
    Bitfield Have { get; }

    /// <summary>True if this peer already has an outstanding request for the block (used in endgame).</summary>
    bool HasRequested(int piece, int begin);

    /// <summary>The peer recently refused this piece (a seed sending it to someone else): don't ask it again yet.</summary>
    bool Avoids(int piece) => false;

    /// <summary>Pieces the peer suggested (BEP 6), oldest first; taken before rarest-first when still free.</summary>
    IReadOnlyCollection<int> Suggested => [];
}

/// <summary>
/// Decides which blocks to request from whom: finish partly downloaded pieces first, then start new pieces
/// rarest-first (random for the first few, so a new peer soon has something to trade), or in the order a policy ranks
/// them (file priorities, sequential), and at the very end (endgame) request the last outstanding blocks from every
/// peer that has them. Only wanted pieces are started (<see cref="Policy"/>: pieces of skipped files are not).
/// It also owns the piece buffers and bounds their total size, so memory stays flat whatever the torrent size.
/// Not thread-safe: the torrent session calls it under its lock.
/// </summary>
internal sealed class PiecePicker
{
    /// <summary>Until this many pieces are verified, new pieces are picked at random rather than rarest-first.</summary>
    public const int RandomFirstPieces = 4;

    private readonly TorrentInfo _info;
    private readonly Bitfield _have;
    private readonly AvailabilityOrder _free;
    private readonly PieceDownload?[] _active;
    private readonly List<PieceDownload> _partial = [];   // active pieces with blocks never requested (or released)
    private readonly List<PieceDownload> _downloading = [];
    private ArrayPool<byte>? _pool;  // made by the first download and dropped when done: a seed keeps no piece buffers
    private readonly Random _random;
    private readonly long _maxInFlightBytes;
    private long _inFlightBytes;
    private int _seeds;
    private IPiecePolicy? _policy;
    private Bitfield? _wanted;      // null: every piece
    private PolicyOrder? _order;    // null: rarest first
    private int _missingWanted;

    public PiecePicker(TorrentInfo info, Bitfield have, long maxInFlightBytes, Random random)
    {
        _info = info;
        _have = have.Clone();
        _random = random;
        // At least two pieces, even when one piece is larger than the budget (16 MiB pieces): with one, the link idles while it is hashed and written.
        _maxInFlightBytes = Math.Max(maxInFlightBytes, 2L * info.PieceLength);
        _free = new AvailabilityOrder(info.PieceCount);
        _active = new PieceDownload?[info.PieceCount];
        _free.AddInitial(Enumerable.Range(0, info.PieceCount).Where(p => !have[p]), random);
        _missingWanted = info.PieceCount - _have.SetCount;
    }

    public Bitfield Have => _have;

    /// <summary>
    /// Which pieces to fetch and what to start first beyond rarity (file priorities, sequential); null = every piece,
    /// rarest first (random at the start). Takes effect at once: pieces no longer wanted are not started (those already
    /// downloading finish), newly wanted ones become free to start.
    /// </summary>
    public IPiecePolicy? Policy
    {
        get => _policy;
        set => Apply(value);
    }

    /// <summary>Every piece verified.</summary>
    public bool IsComplete => _have.IsComplete;

    /// <summary>Every wanted piece verified (the same as <see cref="IsComplete"/> without a policy).</summary>
    public bool IsFinished => _missingWanted == 0;

    /// <summary>Wanted pieces not verified yet.</summary>
    public int MissingWanted => _missingWanted;

    public bool IsWanted(int piece) => _wanted?[piece] ?? true;

    /// <summary>Wanted and not verified.</summary>
    public bool Needs(int piece) => !_have[piece] && IsWanted(piece);

    /// <summary>Pieces downloading or awaiting verification; their buffers are what the engine holds in memory.</summary>
    public long InFlightBytes => _inFlightBytes;

    /// <summary>Every remaining block has been requested at least once: duplicate requests are now allowed.</summary>
    public bool InEndgame => _free.Count == 0 && _partial.Count == 0 && !IsFinished;

    /// <summary>How many connected non-seed peers have the piece (seeds are counted apart, as libtorrent does).</summary>
    public int Availability(int piece) => _free.Availability(piece);

    /// <summary>Connected peers that have every piece.</summary>
    public int Seeds => _seeds;

    /// <summary>Connected peers that have the piece, seeds included.</summary>
    public int PeersWith(int piece) => _free.Availability(piece) + _seeds;

    /// <summary>Pieces downloading or waiting for verification.</summary>
    public Bitfield InFlight()
    {
        var bits = new Bitfield(_have.Count);
        foreach (var download in _downloading) bits[download.Index] = true;
        return bits;
    }

    /// <summary>A peer's whole availability arrives (bitfield, have-all): a seed is only counted; others count per piece.</summary>
    public void AddPeer(Bitfield pieces)
    {
        if (pieces.IsComplete) _seeds++;
        else _free.Apply(pieces, +1);
    }

    /// <summary>Undoes <see cref="AddPeer"/> (the peer left, or sent a new bitfield).</summary>
    public void RemovePeer(Bitfield pieces)
    {
        if (pieces.IsComplete) _seeds--;
        else _free.Apply(pieces, -1);
    }

    /// <summary>A non-seed peer announced a piece; <paramref name="pieces"/> is its bitfield with the piece set.</summary>
    public void PeerHas(int piece, Bitfield pieces)
    {
        _free.Increment(piece);
        if (!pieces.IsComplete) return;
        // It just became a seed: from now on it is counted apart.
        _free.Apply(pieces, -1);
        _seeds++;
    }

    /// <summary>True if the peer has a wanted piece we still lack.</summary>
    public bool IsInteresting(Bitfield peer)
    {
        if (peer.IsComplete) return !IsFinished;
        for (int p = 0; p < peer.Count; p++)
            if (peer[p] && Needs(p)) return true;
        return false;
    }

    /// <summary>Fills <paramref name="destination"/> with blocks to request from <paramref name="peer"/>; returns how many.</summary>
    /// <param name="othersCanServe">Another (non-seed) peer unchokes us and has pieces we need: a seed is then asked only for
    /// pieces no other peer has, leaving its upload for the pieces only it can give.</param>
    public int Pick(IPickerPeer peer, Span<BlockRequest> destination, bool othersCanServe = false)
    {
        // A seed's upload is what the whole swarm waits on: ask it only for what no other peer has, while there is such a
        // piece (unless a policy orders the pieces: its order wins).
        bool fromSeed = peer.Have.IsComplete && _order is null;
        int n = fromSeed ? PickBlocks(peer, destination, seedOnly: true) : 0;
        if (n == 0 && !(fromSeed && othersCanServe)) n = PickBlocks(peer, destination, seedOnly: false);
        // Endgame only when nothing new was found: blocks picked just now are not yet in the peer's request queue.
        if (n == 0 && InEndgame) n = TakeEndgame(peer, destination);
        return n;
    }

    /// <summary>
    /// For a web seed: the free blocks of one piece, so that one range request fetches them — a partly requested piece
    /// first (blocks released by others), else a new one, preferring pieces no peer has (the policy's order when there
    /// is one). Never endgame duplicates: a range request would only race the peers for blocks already on their way.
    /// </summary>
    public int PickPiece(IPickerPeer peer, Span<BlockRequest> destination)
    {
        for (int i = 0; i < _partial.Count; i++)
        {
            var download = _partial[i];
            if (!peer.Have[download.Index] || peer.Avoids(download.Index)) continue;
            int n = TakeBlocks(download, destination);
            if (!download.HasUnrequested) _partial.RemoveAt(i--);
            if (n > 0) return n;
        }
        if (_inFlightBytes + _info.PieceLength > _maxInFlightBytes) return 0;
        int piece = ChooseNewPiece(peer, seedOnly: true);
        if (piece < 0) piece = ChooseNewPiece(peer, seedOnly: false);
        if (piece < 0) return 0;
        var started = Start(piece);
        int taken = TakeBlocks(started, destination);
        if (!started.HasUnrequested) _partial.Remove(started);
        return taken;
    }

    /// <summary>Partial pieces first, then new ones; with <paramref name="seedOnly"/>, only pieces no non-seed peer has.</summary>
    private int PickBlocks(IPickerPeer peer, Span<BlockRequest> destination, bool seedOnly)
    {
        int n = TakeFromPartial(peer, destination, seedOnly);
        foreach (int suggested in _order is null ? peer.Suggested : [])
        {
            if (n >= destination.Length || _inFlightBytes + _info.PieceLength > _maxInFlightBytes) break;
            if ((uint)suggested >= (uint)_active.Length || !_free.IsFree(suggested) || !peer.Have[suggested] || peer.Avoids(suggested)) continue;
            var download = Start(suggested);
            n += TakeBlocks(download, destination[n..]);
            if (!download.HasUnrequested) _partial.Remove(download);
        }
        while (n < destination.Length && _inFlightBytes + _info.PieceLength <= _maxInFlightBytes)
        {
            int piece = ChooseNewPiece(peer, seedOnly);
            if (piece < 0) break;
            var download = Start(piece);
            n += TakeBlocks(download, destination[n..]);
            if (!download.HasUnrequested) _partial.Remove(download);
        }
        return n;
    }

    public PieceDownload? Active(int piece) => (uint)piece < (uint)_active.Length ? _active[piece] : null;

    /// <summary>Returns a requested block to the pool of blocks to request (cancelled, rejected, timed out, peer gone).</summary>
    public void Release(int piece, int begin)
    {
        var download = Active(piece);
        if (download is null || download.AllClaimed) return;
        download.Release(begin / BlockRequest.BlockSize);
        if (download.HasUnrequested && !_partial.Contains(download)) _partial.Add(download);
    }

    /// <summary>
    /// Claims an arriving block we requested for <paramref name="sender"/>; returns the piece to copy it into, or null
    /// when it is not wanted (already delivered, malformed, or the piece is not downloading).
    /// </summary>
    public PieceDownload? Claim(object sender, int piece, int begin, int length)
    {
        var download = Active(piece);
        if (download is null || download.AllClaimed || !download.TryClaim(begin, length, sender)) return null;
        if (download.AllClaimed) _partial.Remove(download);
        return download;
    }

    /// <summary>The piece verified and was written: we have it; its buffer goes back to the pool.</summary>
    public void Verified(int piece)
    {
        if (!_have[piece] && IsWanted(piece)) _missingWanted--;
        _have[piece] = true;
        Finish(piece);
    }

    /// <summary>A piece we had is gone (storage found it changed on disk): free to download again (if wanted).</summary>
    public void Lost(int piece)
    {
        if (!_have[piece]) return;
        _have[piece] = false;
        if (IsWanted(piece)) _missingWanted++;
        if (_active[piece] is null) MakeFree(piece);
    }

    /// <summary>A failed piece whose bad blocks were found: only those are requested again, the rest is kept.</summary>
    public void Reopen(int piece, ReadOnlySpan<bool> bad)
    {
        var download = Active(piece) ?? throw new InvalidOperationException($"piece {piece} is not downloading");
        download.Reopen(bad);
        if (download.HasUnrequested && !_partial.Contains(download)) _partial.Add(download);
    }

    /// <summary>The piece failed verification: drop its data and make it free to download again (if still wanted).</summary>
    public void Failed(int piece)
    {
        Finish(piece);
        MakeFree(piece);
    }

    private void MakeFree(int piece)
    {
        if (!IsWanted(piece)) return;
        _free.Add(piece);
        _order?.Reopened(piece);
    }

    /// <summary>Applies a policy: the wanted pieces, the free set that follows from them, and the policy's ranking.</summary>
    private void Apply(IPiecePolicy? policy)
    {
        int count = _have.Count;
        Bitfield? wanted = null;
        if (policy is not null)
        {
            wanted = new Bitfield(count);
            for (int p = 0; p < count; p++)
                if (policy.IsWanted(p)) wanted[p] = true;
        }
        _policy = policy;
        _wanted = wanted is { IsComplete: true } ? null : wanted;
        _missingWanted = 0;
        var newlyFree = new List<int>();
        for (int p = 0; p < count; p++)
        {
            bool needed = Needs(p);
            if (needed) _missingWanted++;
            if (_active[p] is not null) continue;
            if (!needed) _free.Remove(p);
            else if (!_free.IsFree(p)) newlyFree.Add(p);
        }
        // Shuffled as at the start, so peers do not all start the newly wanted pieces in index order.
        _free.AddInitial(newlyFree, _random);
        _order = policy is null ? null : PolicyOrder.Build(policy, [.. Enumerable.Range(0, count).Where(IsWanted)], count);
    }

    private void Finish(int piece)
    {
        var download = _active[piece] ?? throw new InvalidOperationException($"piece {piece} is not downloading");
        _active[piece] = null;
        _partial.Remove(download);
        _downloading.Remove(download);
        _inFlightBytes -= download.Size;
        download.Dispose();
        if (_downloading.Count == 0 && IsFinished) _pool = null; // complete: the buffers it keeps go with it
    }

    /// <summary>Whether piece buffers are pooled now (for tests: a seed has none).</summary>
    internal bool HasBufferPool => _pool is not null;

    private PieceDownload Start(int piece)
    {
        _free.Remove(piece);
        // Its bucket arrays alone are ~90 KB whatever it holds: made when the first piece starts, not per torrent.
        _pool ??= ArrayPool<byte>.Create(_info.PieceLength, (int)Math.Min(1024, _maxInFlightBytes / _info.PieceLength + 4));
        var download = new PieceDownload(_pool, piece, _info.PieceSize(piece));
        _active[piece] = download;
        _partial.Add(download);
        _downloading.Add(download);
        _inFlightBytes += download.Size;
        return download;
    }

    private int TakeFromPartial(IPickerPeer peer, Span<BlockRequest> destination, bool seedOnly)
    {
        int n = 0;
        for (int i = 0; i < _partial.Count && n < destination.Length; i++)
        {
            var download = _partial[i];
            if (!peer.Have[download.Index] || peer.Avoids(download.Index) || (seedOnly && _free.Availability(download.Index) > 0)) continue;
            n += TakeBlocks(download, destination[n..]);
            if (!download.HasUnrequested) _partial.RemoveAt(i--);
        }
        return n;
    }

    private static int TakeBlocks(PieceDownload download, Span<BlockRequest> destination)
    {
        int n = 0;
        while (n < destination.Length)
        {
            int block = download.TakeUnrequested();
            if (block < 0) break;
            destination[n++] = new BlockRequest(download.Index, block * BlockRequest.BlockSize, download.BlockLength(block));
        }
        return n;
    }

    private int ChooseNewPiece(IPickerPeer peer, bool seedOnly)
    {
        if (_order is not null) return seedOnly ? -1 : _order.Choose(peer, _free);
        // Bucket 0 holds pieces no non-seed peer has: the ones a seed is asked for. Other peers start past it.
        int start = seedOnly ? 0 : _free.FirstAvailableIndex;
        int count = seedOnly ? _free.FirstAvailableIndex : _free.Count;
        if (start >= count) return -1;
        var has = peer.Have;
        if (_have.SetCount < RandomFirstPieces)
        {
            // A few random probes among available pieces; fall back to rarest-first.
            for (int attempt = 0; attempt < 16; attempt++)
            {
                int piece = _free[_random.Next(start, count)];
                if (has[piece] && !peer.Avoids(piece)) return piece;
            }
        }
        for (int i = start; i < count; i++)
        {
            int piece = _free[i];
            if (has[piece] && !peer.Avoids(piece)) return piece;
        }
        return -1;
    }

    private int TakeEndgame(IPickerPeer peer, Span<BlockRequest> destination)
    {
        int n = 0;
        foreach (var download in _downloading)
        {
            if (download.IsComplete || !peer.Have[download.Index]) continue;
            for (int block = 0; block < download.BlockCount && n < destination.Length; block++)
            {
                if (download.State(block) != BlockState.Requested) continue;
                int begin = block * BlockRequest.BlockSize;
                if (peer.HasRequested(download.Index, begin)) continue;
                destination[n++] = new BlockRequest(download.Index, begin, download.BlockLength(block));
            }
            if (n == destination.Length) break;
        }
        return n;
    }
}

