using System.Buffers;

namespace Shoal.Swarm;

/// <summary>
/// A piece being downloaded: a pooled buffer the blocks are copied into as they arrive, per-block state, and who sent
/// each block (to blame exactly the right peers when the piece fails, as libtorrent's smart-ban does). A block is
/// claimed under the torrent's lock, then copied in without it; the copy that completes the piece is the one that
/// hands it to verification. The piece is hashed only once every block is in, and written only after it verified.
/// </summary>
internal sealed class PieceDownload
{
    private readonly ArrayPool<byte> _pool;
    private byte[] _states;   // BlockState per block (torrent lock)
    private readonly object?[] _senders;
    private readonly Stack<int> _released = new();
    private int _nextFree;
    private int _claimed;     // torrent lock
    private int _received;    // incremented after each copy, without the lock

    public PieceDownload(ArrayPool<byte> pool, int index, int size)
    {
        _pool = pool;
        Index = index;
        Size = size;
        BlockCount = (size + BlockRequest.BlockSize - 1) / BlockRequest.BlockSize;
        Buffer = pool.Rent(size);
        _states = ArrayPool<byte>.Shared.Rent(BlockCount);
        Array.Clear(_states, 0, BlockCount);
        _senders = new object?[BlockCount];
    }

    public int Index { get; }

    public int Size { get; }

    public int BlockCount { get; }

    public byte[] Buffer { get; private set; }

    /// <summary>Blocks copied in.</summary>
    public int ReceivedCount => Volatile.Read(ref _received);

    /// <summary>Every block has arrived and been copied in.</summary>
    public bool IsComplete => ReceivedCount == BlockCount;

    /// <summary>Every block has arrived (some may still be being copied in).</summary>
    public bool AllClaimed => _claimed == BlockCount;

    /// <summary>The peer whose data is in <paramref name="block"/>, once it arrived.</summary>
    public object? SenderOf(int block) => _senders[block];

    /// <summary>Peers whose blocks are in this piece, blamed if it fails verification.</summary>
    public IReadOnlyList<object> Contributors => [.. _senders.OfType<object>().Distinct()];

    /// <summary>True while some block has never been requested (or was released back).</summary>
    public bool HasUnrequested => _nextFree < BlockCount || _released.Count > 0;

    public int BlockLength(int block) => Math.Min(BlockRequest.BlockSize, Size - block * BlockRequest.BlockSize);

    public BlockState State(int block) => (BlockState)_states[block];

    /// <summary>Takes the next block nobody has requested; -1 if none.</summary>
    public int TakeUnrequested()
    {
        while (_released.Count > 0)
        {
            int block = _released.Pop();
            if (_states[block] == (byte)BlockState.Free)
            {
                _states[block] = (byte)BlockState.Requested;
                return block;
            }
        }
        while (_nextFree < BlockCount)
        {
            int block = _nextFree++;
            if (_states[block] == (byte)BlockState.Free)
            {
                _states[block] = (byte)BlockState.Requested;
                return block;
            }
        }
        return -1;
    }

    /// <summary>A request was cancelled, rejected or lost with its peer: the block may be requested again.</summary>
    public void Release(int block)
    {
        if (_states[block] != (byte)BlockState.Requested) return;
        _states[block] = (byte)BlockState.Free;
        _released.Push(block);
    }

    /// <summary>
    /// An arriving block we requested: claims it for <paramref name="sender"/> if it is a block boundary of the right
    /// length and nobody delivered it first (torrent lock). The caller then copies the data in and calls <see cref="CompleteBlock"/>.
    /// </summary>
    public bool TryClaim(int begin, int length, object sender)
    {
        if (begin % BlockRequest.BlockSize != 0) return false;
        int block = begin / BlockRequest.BlockSize;
        if (block >= BlockCount || length != BlockLength(block)) return false;
        if (_states[block] is not ((byte)BlockState.Requested or (byte)BlockState.Free)) return false;
        _states[block] = (byte)BlockState.Received;
        _senders[block] = sender;
        _claimed++;
        return true;
    }

    /// <summary>
    /// After the piece failed and its bad blocks were found (v2 leaf hashes): those blocks are emptied to be requested
    /// again, the good ones are kept (torrent lock; the piece is complete, so no copy is under way).
    /// </summary>
    public void Reopen(ReadOnlySpan<bool> bad)
    {
        int reopened = 0;
        for (int block = BlockCount - 1; block >= 0; block--)
        {
            if (!bad[block] || _states[block] != (byte)BlockState.Received) continue;
            _states[block] = (byte)BlockState.Free;
            _senders[block] = null;
            _released.Push(block);
            reopened++;
        }
        _claimed -= reopened;
        Interlocked.Add(ref _received, -reopened);
    }

    /// <summary>A claimed block has been copied in (no lock needed); true for the copy that completed the piece.</summary>
    public bool CompleteBlock() => Interlocked.Increment(ref _received) == BlockCount;

    /// <summary>Hands the buffer over (to the verifier) — this download no longer owns it.</summary>
    public byte[] DetachBuffer()
    {
        var buffer = Buffer;
        Buffer = [];
        return buffer;
    }

    public void Dispose()
    {
        if (Buffer.Length > 0) _pool.Return(Buffer);
        Buffer = [];
        if (_states.Length > 0) ArrayPool<byte>.Shared.Return(_states);
        _states = [];
    }
}

internal enum BlockState : byte
{
    Free,
    Requested,
    Received,
}
