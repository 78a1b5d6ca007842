using System.IO.Pipelines;
using System.Net;
using Shoal.Swarm;

namespace Shoal.Tests.Swarm;

/// <summary>
/// A network made of pipes: engines are registered under made-up addresses, and dialling one hands the engine the
/// other end of a fresh duplex pipe. Whole swarms then run without sockets, deterministic and fast; a link can be
/// cut at any time to simulate a peer vanishing.
/// </summary>
internal sealed class InMemoryNetwork
{
    private readonly Dictionary<IPEndPoint, ClientEngine> _hosts = [];
    private readonly List<DuplexStream> _links = [];
    private int _nextPort = 50000;

    /// <summary>Makes <paramref name="engine"/> reachable at a fresh 10.0.0.x address and routes its dialling through this network.</summary>
    public IPEndPoint Attach(ClientEngine engine)
    {
        var address = new IPEndPoint(IPAddress.Parse($"10.0.0.{_hosts.Count + 1}"), _nextPort++);
        lock (_hosts) _hosts[address] = engine;
        engine.Dial = (target, ct) => DialAsync(address, target, ct);
        return address;
    }

    /// <summary>Closes every open link (both ends see end of stream).</summary>
    public void CutAll()
    {
        lock (_links)
        {
            foreach (var link in _links) link.Dispose();
            _links.Clear();
        }
    }

    private Task<Stream> DialAsync(IPEndPoint from, IPEndPoint target, CancellationToken ct)
    {
        ClientEngine? host;
        lock (_hosts) _hosts.TryGetValue(target, out host);
        if (host is null) throw new IOException($"connection refused: nothing listens on {target}");
        var aToB = new Pipe();
        var bToA = new Pipe();
        var local = new DuplexStream(bToA.Reader, aToB.Writer);
        var remote = new DuplexStream(aToB.Reader, bToA.Writer);
        lock (_links) _links.AddRange([local, remote]);
        _ = host.AcceptAsync(remote, from);
        return Task.FromResult<Stream>(local);
    }

    /// <summary>One end of a duplex pipe as a Stream.</summary>
    private sealed class DuplexStream(PipeReader reader, PipeWriter writer) : Stream
    {
        private readonly Stream _in = reader.AsStream();
        private readonly Stream _out = writer.AsStream();

        public override bool CanRead => true;
        public override bool CanWrite => true;
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => _in.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => _in.ReadAsync(buffer, ct);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => _in.ReadAsync(buffer, offset, count, ct);
        public override void Write(byte[] buffer, int offset, int count) => _out.Write(buffer, offset, count);
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default) => _out.WriteAsync(buffer, ct);
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) => _out.WriteAsync(buffer, offset, count, ct);
        public override void Flush() { }
        public override Task FlushAsync(CancellationToken ct) => Task.CompletedTask;
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                // Completing our writer ends the peer's reads; completing our reader fails the peer's writes.
                writer.Complete();
                reader.Complete();
            }
            base.Dispose(disposing);
        }
    }
}
