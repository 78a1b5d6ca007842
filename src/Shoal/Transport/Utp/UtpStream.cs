using System.Net;

namespace Shoal.Transport.Utp;

/// <summary>
/// One uTP connection as a duplex <see cref="Stream"/>. Writes are buffered (up to <see cref="UtpOptions.SendBufferBytes"/>;
/// beyond that they wait) and small ones coalesce into full packets; <see cref="FlushAsync(CancellationToken)"/> sends a
/// partial packet at once. Reads return what has arrived in order, 0 at the peer's FIN. Disposing closes gracefully
/// (FIN after everything written); <see cref="Abort"/> resets. One reader and one writer may run concurrently.
/// A reset or timed-out connection fails reads and writes with <see cref="IOException"/>.
/// </summary>
public sealed class UtpStream : Stream
{
    private readonly UtpSocketManager _manager;
    private readonly UtpConnection _connection;
    private int _disposed;

    internal UtpStream(UtpSocketManager manager, UtpConnection connection)
    {
        _manager = manager;
        _connection = connection;
    }

    public IPEndPoint RemoteEndPoint => _connection.Remote;

    public UtpStatistics Statistics => _connection.Statistics;

    /// <summary>The congestion window in bytes (LEDBAT).</summary>
    public int CongestionWindow { get { lock (_connection.Gate) return _connection.CongestionWindow; } }

    /// <summary>The smoothed round-trip time.</summary>
    public TimeSpan RoundTripTime { get { lock (_connection.Gate) return TimeSpan.FromMicroseconds(_connection.RttMicros); } }

    /// <summary>LEDBAT's state now, for diagnostics (the probe's trace, benchmarks).</summary>
    public UtpCongestionSnapshot Congestion { get { lock (_connection.Gate) return _connection.CongestionSnapshot; } }

    /// <summary>The size of the data packets sent now, header included (grows with path-MTU discovery).</summary>
    public int PacketSize { get { lock (_connection.Gate) return _connection.PacketSize; } }

    internal UtpConnection Connection => _connection;

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (buffer.IsEmpty) return 0;
        while (true)
        {
            int n = TryRead(buffer.Span, armIfEmpty: true);
            if (n >= 0) return n;
            await _connection.ReadSignal.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        while (!buffer.IsEmpty)
        {
            int n = TryWrite(buffer.Span, armIfFull: true);
            buffer = buffer[n..];
            if (n == 0) await _connection.WriteSignal.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sends a partly filled last packet now rather than waiting to fill it (does not wait for acknowledgements).</summary>
    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        lock (_connection.Gate) _connection.Flush(_manager.Clock.Now);
        AfterCall();
        return Task.CompletedTask;
    }

    /// <summary>Ends our direction (FIN) while reading goes on.</summary>
    public void ShutdownWrite()
    {
        lock (_connection.Gate) _connection.CloseWrite(_manager.Clock.Now);
        AfterCall();
    }

    /// <summary>Resets the connection (the peer's reads and writes fail at once).</summary>
    public void Abort()
    {
        _manager.Abort(_connection, "aborted");
        Interlocked.Exchange(ref _disposed, 1);
    }

    /// <summary>Reads without waiting: bytes read, 0 at the end of the stream, -1 when nothing has arrived.</summary>
    internal int TryRead(Span<byte> buffer, bool armIfEmpty = false)
    {
        bool done;
        int n;
        lock (_connection.Gate)
        {
            done = _connection.TryRead(buffer, _manager.Clock.Now, out n);
            if (!done && armIfEmpty) _connection.ReadSignal.Arm();
        }
        AfterCall();
        return done ? n : -1;
    }

    /// <summary>Writes without waiting: how many bytes the send buffer took.</summary>
    internal int TryWrite(ReadOnlySpan<byte> buffer, bool armIfFull = false)
    {
        int n;
        lock (_connection.Gate)
        {
            n = _connection.Write(buffer, _manager.Clock.Now);
            if (n == 0 && armIfFull) _connection.WriteSignal.Arm();
        }
        AfterCall();
        return n;
    }

    private void AfterCall()
    {
        _manager.FlushEmitted();
        _connection.DeliverWakeups();
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            lock (_connection.Gate)
            {
                _connection.CloseRead();
                _connection.CloseWrite(_manager.Clock.Now);
            }
            AfterCall();
        }
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}
