using System.Buffers;

namespace Shoal.Transport.Mse;

/// <summary>
/// A connection after an MSE handshake that selected RC4: reads are decrypted in the caller's buffer, writes are
/// encrypted into one pooled buffer (the caller's data is left untouched) or, with <see cref="WriteInPlaceAsync"/>, in the
/// caller's own buffer. No allocation per read or write. One reader and one writer may run at once (each direction
/// has its own cipher), as with a socket; two concurrent writers would interleave the key stream and are not allowed.
/// </summary>
public sealed class EncryptedStream : Stream
{
    private const int WriteChunk = 32 * 1024;

    private readonly Stream _inner;
    private readonly Rc4 _decrypt;
    private readonly Rc4 _encrypt;
    private readonly bool _leaveOpen;
    private byte[] _prefix;
    private int _prefixOffset;
    private byte[]? _writeBuffer;
    private bool _writeBroken;
    private int _disposed;

    /// <param name="inner">The connection.</param>
    /// <param name="decrypt">The peer's cipher, positioned after the handshake.</param>
    /// <param name="encrypt">Our cipher, positioned after the handshake.</param>
    /// <param name="decryptedPrefix">Bytes the handshake read past its end, already decrypted: delivered first.</param>
    /// <param name="leaveOpen">Whether disposing leaves <paramref name="inner"/> open.</param>
    public EncryptedStream(Stream inner, Rc4 decrypt, Rc4 encrypt, byte[]? decryptedPrefix = null, bool leaveOpen = false)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        _decrypt = decrypt ?? throw new ArgumentNullException(nameof(decrypt));
        _encrypt = encrypt ?? throw new ArgumentNullException(nameof(encrypt));
        _prefix = decryptedPrefix ?? [];
        _leaveOpen = leaveOpen;
    }

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty) return 0;
        if (TryReadPrefix(buffer.Span, out int fromPrefix)) return fromPrefix;
        int n = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        _decrypt.Transform(buffer.Span[..n]);
        return n;
    }

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty) return 0;
        if (TryReadPrefix(buffer, out int fromPrefix)) return fromPrefix;
        int n = _inner.Read(buffer);
        _decrypt.Transform(buffer[..n]);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var chunk = StartWrite();
        try
        {
            while (!buffer.IsEmpty)
            {
                int n = Math.Min(buffer.Length, chunk.Length);
                _encrypt.Transform(buffer.Span[..n], chunk);
                await _inner.WriteAsync(chunk.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                buffer = buffer[n..];
            }
        }
        catch
        {
            _writeBroken = true; // the key stream ran ahead of what was sent: the stream cannot continue
            throw;
        }
    }

    /// <summary>Encrypts <paramref name="buffer"/> in place (its contents are ciphertext afterwards) and sends it: no copy.</summary>
    public async ValueTask WriteInPlaceAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        EnsureWritable();
        _encrypt.Transform(buffer.Span);
        try
        {
            await _inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _writeBroken = true;
            throw;
        }
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        var chunk = StartWrite();
        try
        {
            while (!buffer.IsEmpty)
            {
                int n = Math.Min(buffer.Length, chunk.Length);
                _encrypt.Transform(buffer[..n], chunk);
                _inner.Write(chunk, 0, n);
                buffer = buffer[n..];
            }
        }
        catch
        {
            _writeBroken = true;
            throw;
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Flush() => _inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private bool TryReadPrefix(Span<byte> destination, out int count)
    {
        count = Math.Min(_prefix.Length - _prefixOffset, destination.Length);
        if (count == 0) return false;
        _prefix.AsSpan(_prefixOffset, count).CopyTo(destination);
        _prefixOffset += count;
        if (_prefixOffset == _prefix.Length) (_prefix, _prefixOffset) = ([], 0);
        return true;
    }

    private byte[] StartWrite()
    {
        EnsureWritable();
        return _writeBuffer ??= ArrayPool<byte>.Shared.Rent(WriteChunk);
    }

    private void EnsureWritable()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (_writeBroken) throw new IOException("an earlier write to this encrypted stream failed part-way; the stream cannot continue");
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            if (!_leaveOpen) _inner.Dispose();
            if (_writeBuffer is { } buffer) ArrayPool<byte>.Shared.Return(buffer);
            _writeBuffer = null;
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            if (!_leaveOpen) await _inner.DisposeAsync().ConfigureAwait(false);
            if (_writeBuffer is { } buffer) ArrayPool<byte>.Shared.Return(buffer);
            _writeBuffer = null;
        }
        GC.SuppressFinalize(this);
    }
}
