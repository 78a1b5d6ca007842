using System.Net;

namespace Shoal.Transport;

/// <summary>
/// A handler that wants to know when the port has handed it every datagram of one receive batch — the moment to send
/// what the batch called for (uTP's ACKs) as one batch, instead of one ACK per datagram. Ports call it after each batch,
/// on the receive loop, for the handlers that implement it.
/// </summary>
public interface IDatagramBatchHandler : IDatagramHandler
{
    void OnBatchEnd();
}

/// <summary>A port that sends several datagrams with one system call (sendmmsg on Linux).</summary>
public interface IDatagramBatchPort : IDatagramPort
{
    /// <summary>Sends every datagram in <paramref name="batch"/> (each may be lost, as with <see cref="IDatagramPort.Send"/>) and clears it.</summary>
    void Send(DatagramBatch batch);
}

/// <summary>
/// Datagrams queued to be sent together. The bytes live in one pinned buffer, so a batch port can hand them to the
/// kernel without copying or pinning again; one batch is reused for ever (no allocation per datagram).
/// Not thread-safe: one batch per thread.
/// </summary>
public sealed class DatagramBatch
{
    public const int Capacity = 64;

    /// <summary>The largest datagram a slot holds (uTP's are at most 1,400 bytes; KRPC's about as much).</summary>
    public const int SlotSize = 2048;

    private readonly byte[] _buffer = GC.AllocateUninitializedArray<byte>(Capacity * SlotSize, pinned: true);
    private readonly int[] _lengths = new int[Capacity];
    private readonly IPEndPoint[] _targets = new IPEndPoint[Capacity];

    public int Count { get; private set; }

    public bool IsFull => Count == Capacity;

    /// <summary>The pinned buffer holding all slots (slot i starts at i * <see cref="SlotSize"/>).</summary>
    internal byte[] Buffer => _buffer;

    public ReadOnlySpan<byte> this[int index] => _buffer.AsSpan(index * SlotSize, _lengths[index]);

    public IPEndPoint TargetOf(int index) => _targets[index];

    internal int LengthOf(int index) => _lengths[index];

    /// <summary>The next free slot to build a datagram in; <see cref="Commit"/> adds it. Check <see cref="IsFull"/> first.</summary>
    public Span<byte> NextSlot()
    {
        if (IsFull) throw new InvalidOperationException("the batch is full: send it first");
        return _buffer.AsSpan(Count * SlotSize, SlotSize);
    }

    public void Commit(int length, IPEndPoint to)
    {
        if (IsFull) throw new InvalidOperationException("the batch is full: send it first");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, SlotSize);
        _lengths[Count] = length;
        _targets[Count] = to;
        Count++;
    }

    /// <summary>Copies a datagram into the next slot (check <see cref="IsFull"/> first).</summary>
    public void Add(ReadOnlySpan<byte> datagram, IPEndPoint to)
    {
        datagram.CopyTo(NextSlot());
        Commit(datagram.Length, to);
    }

    public void Clear()
    {
        Array.Clear(_targets, 0, Count);
        Count = 0;
    }

    /// <summary>Sends the batch through <paramref name="port"/> (in one call when it can batch) and clears it.</summary>
    public void SendThrough(IDatagramPort port)
    {
        if (Count == 0) return;
        if (port is IDatagramBatchPort batching)
        {
            batching.Send(this);
            Clear();
            return;
        }
        for (int i = 0; i < Count; i++) port.Send(this[i], _targets[i]);
        Clear();
    }
}
