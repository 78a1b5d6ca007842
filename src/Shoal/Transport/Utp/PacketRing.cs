using System.Buffers;

namespace Shoal.Transport.Utp;

/// <summary>
/// Packets indexed by their 16-bit sequence number, within a window of <see cref="Capacity"/> consecutive numbers: the
/// packets sent and not yet acknowledged, or those received out of order and not yet delivered. Buffers come from the
/// shared array pool and go back to it when removed, so a steady transfer allocates nothing per packet.
/// </summary>
internal sealed class PacketRing
{
    public const int Capacity = 4096; // a power of two; bounds both windows in packets
    private const int Mask = Capacity - 1;

    private readonly Entry[] _entries = new Entry[Capacity];

    public struct Entry
    {
        public byte[]? Buffer;
        public int Length;           // bytes used in Buffer (sent: header + payload; received: payload)
        public long SentAt;          // timestamp of the last transmission
        public int Transmissions;
        public bool NeedsResend;     // counted out of the bytes in flight after a timeout
    }

    /// <summary>How many packets are held.</summary>
    public int Count { get; private set; }

    public bool Contains(ushort seq) => _entries[seq & Mask].Buffer is not null;

    public ref Entry this[ushort seq] => ref _entries[seq & Mask];

    /// <summary>Stores a packet (the caller checked the slot is free and within the window).</summary>
    public ref Entry Insert(ushort seq, byte[] buffer, int length)
    {
        ref var entry = ref _entries[seq & Mask];
        if (entry.Buffer is not null) throw new InvalidOperationException($"slot for sequence number {seq} is taken");
        entry = new Entry { Buffer = buffer, Length = length };
        Count++;
        return ref entry;
    }

    /// <summary>Takes the packet out; its buffer becomes the caller's (to return to the pool). False if none is held.</summary>
    public bool TryRemove(ushort seq, out Entry removed)
    {
        ref var entry = ref _entries[seq & Mask];
        removed = entry;
        if (entry.Buffer is null) return false;
        entry = default;
        Count--;
        return true;
    }

    /// <summary>Returns every buffer to the pool (the connection is gone).</summary>
    public void Clear()
    {
        for (int i = 0; i < _entries.Length && Count > 0; i++)
        {
            if (_entries[i].Buffer is { } buffer)
            {
                PacketBuffers.Return(buffer);
                Count--;
            }
            _entries[i] = default;
        }
    }
}
