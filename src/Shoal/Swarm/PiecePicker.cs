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
}

/// <summary>
/// Decides which blocks to request from whom: finish partly downloaded pieces first, then start new pieces
/// rarest-first (random for the first few, so a new peer soon has something to trade), and at the very end
/// (endgame) request the last outstanding blocks from every peer that has them.
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
    private readonly ArrayPool<byte> _pool;
    private readonly Random _random;
    private readonly long _maxInFlightBytes;
    private long _inFlightBytes;

    public PiecePicker(TorrentInfo info, Bitfield have, long maxInFlightBytes, Random random)
    {
        _info = info;
        _have = have.Clone();
        _random = random;
        _maxInFlightBytes = Math.Max(maxInFlightBytes, info.PieceLength);
        _free = new AvailabilityOrder(info.PieceCount);
        _active = new PieceDownload?[info.PieceCount];
        _pool = ArrayPool<byte>.Create(info.PieceLength, (int)Math.Min(1024, _maxInFlightBytes / info.PieceLength + 4));
        _free.AddInitial(Enumerable.Range(0, info.PieceCount).Where(p => !have[p]), random);
    }

    public Bitfield Have => _have;

    public bool IsComplete => _have.IsComplete;

    /// <summary>Pieces downloading or awaiting verification; their buffers are what the engine holds in memory.</summary>
    public long InFlightBytes => _inFlightBytes;

    /// <summary>Every remaining block has been requested at least once: duplicate requests are now allowed.</summary>
    public bool InEndgame => _free.Count == 0 && _partial.Count == 0 && !_have.IsComplete;

    public int Availability(int piece) => _free.Availability(piece);

    public void PeerHas(int piece) => _free.Increment(piece);

    public void PeerLost(int piece) => _free.Decrement(piece);

    /// <summary>Adds (+1) or removes (-1) a whole bitfield's worth of availability.</summary>
    public void PeerBitfield(Bitfield pieces, int sign) => _free.Apply(pieces, sign);

    /// <summary>True if the peer has a piece we still lack.</summary>
    public bool IsInteresting(Bitfield peer)
    {
        if (peer.IsComplete) return !_have.IsComplete;
        for (int p = 0; p < peer.Count; p++)
            if (peer[p] && !_have[p]) return true;
        return false;
    }

    /// <summary>Fills <paramref name="destination"/> with blocks to request from <paramref name="peer"/>; returns how many.</summary>
    public int Pick(IPickerPeer peer, Span<BlockRequest> destination)
    {
        int n = TakeFromPartial(peer, destination);
        while (n < destination.Length && _inFlightBytes + _info.PieceLength <= _maxInFlightBytes)
        {
            int piece = ChooseNewPiece(peer.Have);
            if (piece < 0) break;
            var download = Start(piece);
            n += TakeBlocks(download, destination[n..]);
            if (!download.HasUnrequested) _partial.Remove(download);
        }
        // Endgame only when nothing new was found: blocks picked just now are not yet in the peer's request queue.
        if (n == 0 && InEndgame) n = TakeEndgame(peer, destination);
        return n;
    }

    public PieceDownload? Active(int piece) => (uint)piece < (uint)_active.Length ? _active[piece] : null;

    /// <summary>Returns a requested block to the pool of blocks to request (cancelled, rejected, timed out, peer gone).</summary>
    public void Release(int piece, int begin)
    {
        var download = Active(piece);
        if (download is null || download.IsComplete) return;
        download.Release(begin / BlockRequest.BlockSize);
        if (download.HasUnrequested && !_partial.Contains(download)) _partial.Add(download);
    }

    /// <summary>Copies a block in. Returns the download when this block completed its piece (ready to verify).</summary>
    public BlockOutcome Accept(object contributor, int piece, int begin, ReadOnlySequence<byte> data, out PieceDownload? completed)
    {
        completed = null;
        var download = Active(piece);
        if (download is null || download.IsComplete) return BlockOutcome.Unwanted;
        if (!download.TryAccept(begin, data, contributor)) return BlockOutcome.Unwanted;
        if (!download.IsComplete) return BlockOutcome.Accepted;
        _partial.Remove(download);
        completed = download;
        return BlockOutcome.CompletedPiece;
    }

    /// <summary>The piece verified and was written: we have it; its buffer goes back to the pool.</summary>
    public void Verified(int piece)
    {
        _have[piece] = true;
        Finish(piece);
    }

    /// <summary>The piece failed verification: drop its data and make it free to download again.</summary>
    public void Failed(int piece)
    {
        Finish(piece);
        _free.Add(piece);
    }

    private void Finish(int piece)
    {
        var download = _active[piece] ?? throw new InvalidOperationException($"piece {piece} is not downloading");
        _active[piece] = null;
        _partial.Remove(download);
        _downloading.Remove(download);
        _inFlightBytes -= download.Size;
        download.Dispose();
    }

    private PieceDownload Start(int piece)
    {
        _free.Remove(piece);
        var download = new PieceDownload(_pool, piece, _info.PieceSize(piece));
        _active[piece] = download;
        _partial.Add(download);
        _downloading.Add(download);
        _inFlightBytes += download.Size;
        return download;
    }

    private int TakeFromPartial(IPickerPeer peer, Span<BlockRequest> destination)
    {
        int n = 0;
        for (int i = 0; i < _partial.Count && n < destination.Length; i++)
        {
            var download = _partial[i];
            if (!peer.Have[download.Index]) continue;
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

    private int ChooseNewPiece(Bitfield peer)
    {
        int start = _free.FirstAvailableIndex;
        int count = _free.Count;
        if (start >= count) return -1;
        if (_have.SetCount < RandomFirstPieces)
        {
            // A few random probes among available pieces; fall back to rarest-first.
            for (int attempt = 0; attempt < 16; attempt++)
            {
                int piece = _free[_random.Next(start, count)];
                if (peer[piece]) return piece;
            }
        }
        for (int i = start; i < count; i++)
        {
            int piece = _free[i];
            if (peer[piece]) return piece;
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

internal enum BlockOutcome
{
    /// <summary>Not requested, already received, or malformed: ignored (counted as waste).</summary>
    Unwanted,
    Accepted,
    /// <summary>The block completed its piece, which is now ready for verification.</summary>
    CompletedPiece,
}
