using Shoal.Storage;
using Shoal.Wire;

namespace Shoal.Swarm;

/// <summary>
/// The control messages waiting to go to one peer (requests, rejects, haves, choke state, extension messages), bounded
/// in bytes: a peer that does not read what we send cannot make us buffer without end. Uploads are not queued here
/// (their blocks are read from storage only when their turn comes); <see cref="Wake"/> tells the sender one is waiting.
/// HAVEs wait in a bitfield instead of the queue: however many pieces we announce to a peer that does not read, they
/// cost one bit each, and each goes out once, after everything queued before it (so never before our bitfield).
/// Thread-safe: many producers, one sending loop.
/// </summary>
internal sealed class Outbox(int maxBytes)
{
    private readonly Lock _sync = new();
    private readonly Queue<Outgoing> _queue = new();
    private readonly AsyncSignal _signal = new();
    private long _bytes;
    private bool _closed;
    private Bitfield? _haves;
    private int _haveCursor;

    /// <summary>Bytes queued (for status and tests).</summary>
    public long Bytes
    {
        get { lock (_sync) return _bytes; }
    }

    public bool IsEmpty
    {
        get { lock (_sync) return _queue.Count == 0 && _haves is not { SetCount: > 0 }; }
    }

    /// <summary>Announces a piece (once, however often it is asked for); costs a bit, never a queue entry.</summary>
    public void EnqueueHave(int piece, int pieceCount)
    {
        lock (_sync)
        {
            if (_closed) return;
            _haves ??= new Bitfield(pieceCount);
            if ((uint)piece >= (uint)_haves.Count || _haves[piece]) return;
            _haves[piece] = true;
            _haveCursor = Math.Min(_haveCursor, piece);
        }
        _signal.Set();
    }

    /// <summary>Queues a message; false when the byte bound would be passed (the peer is not reading) or the outbox is closed.</summary>
    public bool TryEnqueue(in Outgoing message)
    {
        lock (_sync)
        {
            if (_closed) return false;
            int size = message.WireSize;
            // The first message always fits, so a bitfield larger than the bound still goes out on an idle connection.
            if (_queue.Count > 0 && _bytes + size > maxBytes) return false;
            _queue.Enqueue(message);
            _bytes += size;
        }
        _signal.Set();
        return true;
    }

    /// <summary>Takes the next message if it fits in <paramref name="room"/> bytes (or is the first of an empty batch).</summary>
    public bool TryDequeue(int room, bool batchEmpty, out Outgoing message)
    {
        lock (_sync)
        {
            if (!_queue.TryPeek(out message)) return TryDequeueHave(room, batchEmpty, out message);
            if (!batchEmpty && message.WireSize > room) return false;
            _queue.Dequeue();
            _bytes -= message.WireSize;
            return true;
        }
    }

    private bool TryDequeueHave(int room, bool batchEmpty, out Outgoing message)
    {
        message = default;
        if (_haves is not { SetCount: > 0 } haves || (!batchEmpty && MessageWriter.IndexMessageLength > room)) return false;
        int piece = haves.FirstSet(_haveCursor);
        haves[piece] = false;
        _haveCursor = piece + 1;
        message = new Outgoing(MessageId.Have, piece);
        return true;
    }

    /// <summary>Wakes the sender (an upload was queued).</summary>
    public void Wake() => _signal.Set();

    /// <summary>Waits until something may be sent or the outbox closes.</summary>
    public ValueTask WaitAsync() => _signal.WaitAsync();

    public bool IsClosed => _signal.IsClosed;

    public void Close()
    {
        lock (_sync)
        {
            _closed = true;
            _queue.Clear();
            _bytes = 0;
            _haves = null;
        }
        _signal.Close();
    }
}
