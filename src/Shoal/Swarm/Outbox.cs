namespace Shoal.Swarm;

/// <summary>
/// The control messages waiting to go to one peer (requests, rejects, haves, choke state, extension messages), bounded
/// in bytes: a peer that does not read what we send cannot make us buffer without end. Uploads are not queued here
/// (their blocks are read from storage only when their turn comes); <see cref="Wake"/> tells the sender one is waiting.
/// Thread-safe: many producers, one sending loop.
/// </summary>
internal sealed class Outbox(int maxBytes)
{
    private readonly Lock _sync = new();
    private readonly Queue<Outgoing> _queue = new();
    private readonly AsyncSignal _signal = new();
    private long _bytes;
    private bool _closed;

    /// <summary>Bytes queued (for status and tests).</summary>
    public long Bytes
    {
        get { lock (_sync) return _bytes; }
    }

    public bool IsEmpty
    {
        get { lock (_sync) return _queue.Count == 0; }
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

    /// <summary>Queues a message whatever the bound (a one-time burst whose size the torrent bounds, e.g. haves for resumed pieces).</summary>
    public void ForceEnqueue(in Outgoing message)
    {
        lock (_sync)
        {
            if (_closed) return;
            _queue.Enqueue(message);
            _bytes += message.WireSize;
        }
        _signal.Set();
    }

    /// <summary>Takes the next message if it fits in <paramref name="room"/> bytes (or is the first of an empty batch).</summary>
    public bool TryDequeue(int room, bool batchEmpty, out Outgoing message)
    {
        lock (_sync)
        {
            if (!_queue.TryPeek(out message) || (!batchEmpty && message.WireSize > room)) return false;
            _queue.Dequeue();
            _bytes -= message.WireSize;
            return true;
        }
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
        }
        _signal.Close();
    }
}
