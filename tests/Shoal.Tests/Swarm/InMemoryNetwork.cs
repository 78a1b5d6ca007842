using System.IO.Pipelines;
using System.Net;
using Shoal.Transport;

namespace Shoal.Tests.Swarm;

/// <summary>
/// A network made of pipes, plugged into engines as just another transport: each host gets a made-up address with a
/// listener and a dialer, and dialling a host hands it the other end of a fresh duplex pipe. Whole swarms then run
/// without sockets; a link can be cut at any time to simulate a peer vanishing. Every host has its own address (or the
/// one a test chooses, so several hostile connections can come from one address); a pipe buffers 64 KiB each way, so a
/// peer that never reads pushes back on its sender as a TCP socket does.
/// </summary>
internal sealed class InMemoryNetwork(int bufferBytes = 64 * 1024)
{
    private readonly Dictionary<IPEndPoint, Action<TransportConnection>> _hosts = [];
    private readonly Dictionary<IPEndPoint, int> _accepted = [];
    private readonly List<DuplexStream> _links = [];
    private int _next;

    /// <summary>Transports for an engine at a fresh 10.0.0.x address (its listener's endpoint).</summary>
    public PeerTransports NewHost(IConnectionUpgrade? upgrade = null, IPAddress? address = null)
    {
        var endPoint = NextAddress(address);
        return new PeerTransports(new Dialer(this, endPoint), [new Listener(this, endPoint)], upgrade);
    }

    /// <summary>A raw host (a scripted or fake peer): <paramref name="serve"/> runs for each connection made to it.</summary>
    public IPEndPoint Listen(Func<Stream, Task> serve, IPAddress? address = null)
    {
        var endPoint = NextAddress(address);
        lock (_hosts) _hosts[endPoint] = connection => _ = serve(connection.Stream);
        return endPoint;
    }

    /// <summary>Dials <paramref name="target"/> from a fresh address, or from a new port of <paramref name="from"/>; returns the dialler's end of the link.</summary>
    public Stream Connect(IPEndPoint target, IPAddress? from = null) => Connect(NextAddress(from), target).Stream;

    /// <summary>Connections made to <paramref name="address"/> so far.</summary>
    public int AcceptedBy(IPEndPoint address)
    {
        lock (_hosts) return _accepted.GetValueOrDefault(address);
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

    private IPEndPoint NextAddress(IPAddress? address = null)
    {
        int n = Interlocked.Increment(ref _next);
        return new IPEndPoint(address ?? IPAddress.Parse($"10.0.{n / 250}.{n % 250 + 1}"), 20000 + n);
    }

    private TransportConnection Connect(IPEndPoint from, IPEndPoint target)
    {
        Action<TransportConnection>? host;
        lock (_hosts)
        {
            _hosts.TryGetValue(target, out host);
            if (host is not null) _accepted[target] = _accepted.GetValueOrDefault(target) + 1;
        }
        if (host is null) throw new IOException($"connection refused: nothing listens on {target}");
        // A writer waits once this much is unread: the link's buffer, as a socket's.
        var options = new PipeOptions(pauseWriterThreshold: bufferBytes, resumeWriterThreshold: bufferBytes / 2, useSynchronizationContext: false);
        var aToB = new Pipe(options);
        var bToA = new Pipe(options);
        var local = new DuplexStream(bToA.Reader, aToB.Writer);
        var remote = new DuplexStream(aToB.Reader, bToA.Writer);
        lock (_links) _links.AddRange([local, remote]);
        host(new TransportConnection(remote, from, TransportKind.InMemory, isIncoming: true));
        return new TransportConnection(local, target, TransportKind.InMemory, isIncoming: false);
    }

    private sealed class Dialer(InMemoryNetwork network, IPEndPoint self) : IPeerDialer
    {
        public Task<TransportConnection> DialAsync(IPEndPoint endPoint, CancellationToken ct) => Task.FromResult(network.Connect(self, endPoint));
    }

    private sealed class Listener(InMemoryNetwork network, IPEndPoint self) : IPeerListener
    {
        public IPEndPoint LocalEndPoint => self;

        public void Start(Action<TransportConnection> accepted)
        {
            lock (network._hosts) network._hosts[self] = accepted;
        }

        public ValueTask DisposeAsync()
        {
            lock (network._hosts) network._hosts.Remove(self);
            return ValueTask.CompletedTask;
        }
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
