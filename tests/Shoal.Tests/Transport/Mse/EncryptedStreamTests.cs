using System.Net;
using Shoal.Transport;
using Shoal.Transport.Mse;

namespace Shoal.Tests.Transport.Mse;

public sealed class EncryptedStreamTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static (EncryptedStream A, EncryptedStream B, DuplexPipe.End WireA) Pair(byte[]? prefixForB = null)
    {
        var (a, b) = DuplexPipe.Create(readChunk: 1000);
        var keyA = "key of the initiator"u8.ToArray();
        var keyB = "key of the responder"u8.ToArray();
        var streamA = new EncryptedStream(a, Cipher(keyB), Cipher(keyA));
        var streamB = new EncryptedStream(b, Cipher(keyA), Cipher(keyB), prefixForB);
        return (streamA, streamB, a);

        static Rc4 Cipher(byte[] key)
        {
            var rc4 = new Rc4(key);
            rc4.Discard(1024);
            return rc4;
        }
    }

    [Fact]
    public async Task Bytes_written_in_any_pieces_arrive_decrypted_in_order_and_are_never_in_clear_on_the_wire()
    {
        var (a, b, wire) = Pair();
        var data = new byte[300_000];
        new Random(3).NextBytes(data);
        var random = new Random(4);
        var writer = Task.Run(async () =>
        {
            for (int offset = 0; offset < data.Length;)
            {
                int n = Math.Min(random.Next(1, 70_000), data.Length - offset);
                if (random.Next(2) == 0) await a.WriteAsync(data.AsMemory(offset, n), Ct);
                else a.Write(data, offset, n);
                offset += n;
            }
        }, Ct);
        var received = await MseHandshakeTests.ReadAsync(b, data.Length);
        await writer;
        Assert.Equal(data, received);
        Assert.Equal(data.Length, wire.Written.Length);
        Assert.Equal(-1, wire.Written.AsSpan().IndexOf(data.AsSpan(1000, 32)));
    }

    [Fact]
    public async Task The_caller_buffer_is_left_alone_and_in_place_writes_encrypt_it()
    {
        var (a, b, _) = Pair();
        var data = "a block of piece data"u8.ToArray();
        var copy = data.ToArray();
        await a.WriteAsync(copy, Ct);
        Assert.Equal(data, copy);
        await a.WriteInPlaceAsync(copy, Ct);
        Assert.NotEqual(data, copy);
        byte[] expected = [.. data, .. data];
        Assert.Equal(expected, await MseHandshakeTests.ReadAsync(b, 2 * data.Length));
    }

    [Fact]
    public async Task Bytes_read_ahead_by_the_handshake_come_first()
    {
        var (a, b, _) = Pair(prefixForB: "ahead"u8.ToArray());
        await a.WriteAsync("behind"u8.ToArray(), Ct);
        var buffer = new byte[3];
        Assert.Equal(3, await b.ReadAsync(buffer, Ct));
        Assert.Equal("ahe"u8.ToArray(), buffer);
        Assert.Equal("adbehind"u8.ToArray(), await MseHandshakeTests.ReadAsync(b, 8));
    }

    [Fact]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "xUnit1031", Justification = "the stream completes synchronously: that is what is measured")]
    public void Writes_and_reads_do_not_allocate()
    {
        var sink = new DiscardingStream();
        var stream = new EncryptedStream(sink, new Rc4([1]), new Rc4([2]));
        var block = new byte[16 * 1024 + 13];
        stream.Write(block);
        stream.WriteAsync(block, Ct).AsTask().GetAwaiter().GetResult();
        _ = stream.Read(block);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            stream.Write(block);
            var pending = stream.WriteAsync(block, Ct);
            Assert.True(pending.IsCompletedSuccessfully);
            _ = stream.Read(block);
            var read = stream.ReadAsync(block, Ct);
            Assert.True(read.IsCompletedSuccessfully);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 1024, $"{allocated} bytes allocated for 4,000 reads and writes");
    }

    [Fact]
    public async Task A_connection_send_encrypts_the_send_buffer_in_place_in_one_write_without_allocating()
    {
        var sink = new CountingStream();
        var connection = new TransportConnection(new EncryptedStream(sink, new Rc4([1]), new Rc4([2])), new IPEndPoint(IPAddress.Loopback, 1), TransportKind.Tcp, false, isEncrypted: true);
        var buffer = new byte[256 * 1024];
        new Random(5).NextBytes(buffer);
        var plain = buffer.ToArray();
        await connection.SendAsync(buffer, Ct);
        Assert.Equal(1, sink.Writes); // not cut into 32 KiB copies
        var expected = plain.ToArray();
        new Rc4([2]).Transform(expected);
        Assert.Equal(expected, buffer); // the send buffer itself holds the ciphertext: no copy was made
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) Assert.True(connection.SendAsync(buffer, Ct).IsCompletedSuccessfully);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        var plainConnection = new TransportConnection(sink, new IPEndPoint(IPAddress.Loopback, 1), TransportKind.Tcp, false);
        await plainConnection.SendAsync(plain.AsMemory(), Ct);
        Assert.Equal(expected.Length, plain.Length);
        Assert.NotEqual(expected, plain); // a plaintext connection leaves the buffer as it was
    }

    [Fact]
    public async Task A_disposed_stream_refuses_writes()
    {
        var (a, _, _) = Pair();
        await a.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => a.WriteAsync(new byte[1], Ct).AsTask());
    }

    private sealed class CountingStream : DiscardingStream
    {
        public int Writes { get; private set; }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Writes++;
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>A stream whose reads and writes complete synchronously, as a socket's often do.</summary>
    private class DiscardingStream : Stream
    {
        public override bool CanRead => true;
        public override bool CanWrite => true;
        public override bool CanSeek => false;
        public override long Length => 0;
        public override long Position { get => 0; set { } }
        public override int Read(byte[] buffer, int offset, int count) => count;
        public override int Read(Span<byte> buffer) => buffer.Length;
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(buffer.Length);
        public override void Write(byte[] buffer, int offset, int count) { }
        public override void Write(ReadOnlySpan<byte> buffer) { }
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => 0;
        public override void SetLength(long value) { }
    }
}
