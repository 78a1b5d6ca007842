using System.Buffers;

namespace Shoal.Discovery.Dht;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> over one fixed array, for writing a KRPC message straight into the buffer it is
/// sent from. Running out of room is a bug (every message we write is bounded well below the array's size).
/// </summary>
internal sealed class DatagramWriter : IBufferWriter<byte>
{
    private byte[] _buffer = [];

    public int Written { get; private set; }

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, Written);

    public void Reset(byte[] buffer)
    {
        _buffer = buffer;
        Written = 0;
    }

    public void Advance(int count) => Written += count;

    public Memory<byte> GetMemory(int sizeHint = 0) => _buffer.AsMemory(Room(sizeHint));

    public Span<byte> GetSpan(int sizeHint = 0) => _buffer.AsSpan(Room(sizeHint));

    private int Room(int sizeHint)
    {
        if (_buffer.Length - Written < Math.Max(sizeHint, 1)) throw new InvalidOperationException("KRPC message larger than its datagram buffer");
        return Written;
    }
}
