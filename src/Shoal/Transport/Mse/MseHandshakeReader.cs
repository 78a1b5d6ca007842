using System.Buffers;

namespace Shoal.Transport.Mse;

/// <summary>
/// Reads the handshake's fields from the stream through one pooled buffer. Reads may fetch more than a field (a peer
/// sends its handshake's end and its first messages together); what is left over after the handshake goes to the
/// stream handed back to the caller. Every wait is bounded by the step's token.
/// </summary>
internal sealed class MseHandshakeReader : IDisposable
{
    // Large enough for Y + the longest sync search + the longest fields + the initial payload, with room to read ahead.
    private const int Capacity = 4096;

    private readonly Stream _stream;
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(Capacity);
    private int _start;
    private int _end;

    public MseHandshakeReader(Stream stream, ReadOnlySpan<byte> alreadyRead)
    {
        if (alreadyRead.Length > Capacity / 2) throw new ArgumentException("too many bytes already read", nameof(alreadyRead));
        _stream = stream;
        alreadyRead.CopyTo(_buffer);
        _end = alreadyRead.Length;
    }

    public int Available => _end - _start;

    /// <summary>Waits until <paramref name="count"/> bytes are buffered; a closed stream is a handshake failure.</summary>
    public async ValueTask EnsureAsync(int count, string what, CancellationToken cancellationToken)
    {
        if (count > Capacity) throw new ArgumentOutOfRangeException(nameof(count));
        while (Available < count)
        {
            if (_end == _buffer.Length)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, Available);
                _end -= _start;
                _start = 0;
            }
            int n = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (n == 0) throw new MseHandshakeException($"the peer closed the connection while sending {what}");
            _end += n;
        }
    }

    /// <summary>Consumes <paramref name="count"/> buffered bytes (after <see cref="EnsureAsync"/>).</summary>
    public Span<byte> Take(int count)
    {
        if (count > Available) throw new InvalidOperationException("not buffered");
        var span = _buffer.AsSpan(_start, count);
        _start += count;
        return span;
    }

    /// <summary>
    /// Skips bytes up to and including <paramref name="marker"/>, which must start within the next
    /// <paramref name="maxSkip"/> bytes (the peer's padding); otherwise the handshake fails without reading further.
    /// </summary>
    public async ValueTask SynchroniseAsync(ReadOnlyMemory<byte> marker, int maxSkip, string what, CancellationToken cancellationToken)
    {
        int searchLimit = maxSkip + marker.Length;
        while (true)
        {
            int window = Math.Min(Available, searchLimit);
            int found = _buffer.AsSpan(_start, window).IndexOf(marker.Span);
            if (found >= 0)
            {
                _start += found + marker.Length;
                return;
            }
            if (window >= searchLimit)
                throw new MseHandshakeException($"no {what} within {maxSkip} bytes of padding");
            // Keep the last marker.Length - 1 bytes: the marker may straddle what has arrived and what is to come.
            int skip = Math.Max(0, window - (marker.Length - 1));
            _start += skip;
            searchLimit -= skip;
            await EnsureAsync(Available + 1, what, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The bytes read past the handshake, to be delivered before anything else the stream yields.</summary>
    public byte[] TakeLeftover() => Take(Available).ToArray();

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, null!);
        if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
    }
}
