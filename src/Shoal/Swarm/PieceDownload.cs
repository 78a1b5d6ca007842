using System.Buffers;

namespace Shoal.Swarm;

/// <summary>
/// A piece being downloaded: a pooled buffer the blocks are copied into as they arrive, and per-block state.
/// The piece is hashed only once every block is in, and written to disk only after it verified.
/// Owned by <see cref="PiecePicker"/>, under its lock.
/// </summary>
internal sealed class PieceDownload
{
    private readonly ArrayPool<byte> _pool;
    private byte[] _states;   // BlockState per block
    private readonly Stack<int> _released = new();
    private int _nextFree;

    public PieceDownload(ArrayPool<byte> pool, int index, int size)
    {
        _pool = pool;
        Index = index;
        Size = size;
        BlockCount = (size + BlockRequest.BlockSize - 1) / BlockRequest.BlockSize;
        Buffer = pool.Rent(size);
        _states = ArrayPool<byte>.Shared.Rent(BlockCount);
        Array.Clear(_states, 0, BlockCount);
    }

    public int Index { get; }

    public int Size { get; }

    public int BlockCount { get; }

    public byte[] Buffer { get; private set; }

    public int ReceivedCount { get; private set; }

    /// <summary>Peers whose blocks are in this piece, blamed if it fails verification.</summary>
    public List<object> Contributors { get; } = new(2);

    public bool IsComplete => ReceivedCount == BlockCount;

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

    /// <summary>Copies an arriving block in; false if it was not wanted (already received, or not a block boundary).</summary>
    public bool TryAccept(int begin, System.Buffers.ReadOnlySequence<byte> data, object contributor)
    {
        if (begin % BlockRequest.BlockSize != 0) return false;
        int block = begin / BlockRequest.BlockSize;
        if (block >= BlockCount || data.Length != BlockLength(block)) return false;
        if (_states[block] == (byte)BlockState.Received) return false;
        data.CopyTo(Buffer.AsSpan(begin));
        _states[block] = (byte)BlockState.Received;
        ReceivedCount++;
        if (!Contributors.Contains(contributor)) Contributors.Add(contributor);
        return true;
    }

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
