using System.Buffers;

namespace Shoal.Transport.Utp;

/// <summary>
/// A FIFO of pooled buffer slices: the bytes received in order and not yet read, or written and not yet sent. Taking
/// bytes out copies them and returns each buffer to the pool once drained. No allocation in steady state.
/// </summary>
internal sealed class SegmentQueue
{
    private Segment[] _items = new Segment[16];
    private int _head;
    private int _count;

    private struct Segment
    {
        public byte[] Buffer;
        public int Offset;
        public int Length;
    }

    /// <summary>Bytes held.</summary>
    public int Bytes { get; private set; }

    public int Segments => _count;

    public bool IsEmpty => _count == 0;

    /// <summary>Appends a buffer whose bytes [offset, offset + length) are data; the queue owns it from now on.</summary>
    public void Enqueue(byte[] buffer, int offset, int length)
    {
        if (_count == _items.Length) Grow();
        _items[(_head + _count) % _items.Length] = new Segment { Buffer = buffer, Offset = offset, Length = length };
        _count++;
        Bytes += length;
    }

    /// <summary>Copies up to destination.Length bytes out, front first.</summary>
    public int Dequeue(Span<byte> destination)
    {
        int copied = 0;
        while (copied < destination.Length && _count > 0)
        {
            ref var front = ref _items[_head];
            int n = Math.Min(front.Length, destination.Length - copied);
            front.Buffer.AsSpan(front.Offset, n).CopyTo(destination[copied..]);
            copied += n;
            front.Offset += n;
            front.Length -= n;
            Bytes -= n;
            if (front.Length == 0) DropFront();
        }
        return copied;
    }

    /// <summary>The last segment, to append more bytes to it (Nagle coalescing); false when empty.</summary>
    public bool TryPeekLast(out byte[] buffer, out int end)
    {
        if (_count == 0)
        {
            (buffer, end) = (null!, 0);
            return false;
        }
        ref var last = ref _items[(_head + _count - 1) % _items.Length];
        (buffer, end) = (last.Buffer, last.Offset + last.Length);
        return true;
    }

    /// <summary>Records that <paramref name="count"/> bytes were appended to the last segment's buffer.</summary>
    public void ExtendLast(int count)
    {
        _items[(_head + _count - 1) % _items.Length].Length += count;
        Bytes += count;
    }

    /// <summary>Length of the front segment (0 when empty).</summary>
    public int FrontLength => _count == 0 ? 0 : _items[_head].Length;

    /// <summary>Removes the front segment whole and hands its buffer to the caller.</summary>
    public byte[] TakeFront(out int offset, out int length)
    {
        ref var front = ref _items[_head];
        var buffer = front.Buffer;
        (offset, length) = (front.Offset, front.Length);
        Bytes -= front.Length;
        front = default;
        _head = (_head + 1) % _items.Length;
        _count--;
        return buffer;
    }

    public void Clear()
    {
        while (_count > 0) DropFront();
        Bytes = 0;
    }

    private void DropFront()
    {
        PacketBuffers.Return(_items[_head].Buffer);
        Bytes -= _items[_head].Length;
        _items[_head] = default;
        _head = (_head + 1) % _items.Length;
        _count--;
    }

    private void Grow()
    {
        var bigger = new Segment[_items.Length * 2];
        for (int i = 0; i < _count; i++) bigger[i] = _items[(_head + i) % _items.Length];
        (_items, _head) = (bigger, 0);
    }
}
