using System.IO.Pipelines;

namespace Shoal.Tests.Transport;

/// <summary>
/// Two connected in-memory streams (a socket pair without sockets). Each end can record what it wrote (to check what
/// would be on the wire) and can hand reads out in pieces of at most <c>readChunk</c> bytes (to exercise code that
/// must cope with a peer's bytes arriving split anywhere).
/// </summary>
internal static class DuplexPipe
{
    public static (End A, End B) Create(int readChunk = int.MaxValue)
    {
        var aToB = new Pipe();
        var bToA = new Pipe();
        return (new End(bToA.Reader, aToB.Writer, readChunk), new End(aToB.Reader, bToA.Writer, readChunk));
    }

    internal sealed class End(PipeReader reader, PipeWriter writer, int readChunk) : Stream
    {
        private readonly Stream _in = reader.AsStream();
        private readonly Stream _out = writer.AsStream();
        private readonly MemoryStream _written = new();

        /// <summary>Everything this end wrote, in order.</summary>
        public byte[] Written { get { lock (_written) return _written.ToArray(); } }

        public override bool CanRead => true;
        public override bool CanWrite => true;
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => _in.Read(buffer, offset, Math.Min(count, readChunk));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) =>
            _in.ReadAsync(buffer[..Math.Min(buffer.Length, readChunk)], ct);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            lock (_written) _written.Write(buffer);
            _out.Write(buffer);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
        {
            lock (_written) _written.Write(buffer.Span);
            return _out.WriteAsync(buffer, ct);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();

        public override void Flush() { }
        public override Task FlushAsync(CancellationToken ct) => Task.CompletedTask;
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                writer.Complete();
                reader.Complete();
            }
            base.Dispose(disposing);
        }
    }
}
