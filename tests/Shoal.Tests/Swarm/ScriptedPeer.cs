using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Shoal.Metainfo;
using Shoal.Wire;

namespace Shoal.Tests.Swarm;

/// <summary>
/// A hand-driven peer on a raw loopback socket, for tests that need a peer to misbehave in precise ways.
/// It can act as a dialler (to an engine's listener) or as a listener (dialled by an engine).
/// </summary>
internal sealed class ScriptedPeer : IAsyncDisposable
{
    private readonly Stream _stream;
    private byte[] _pending = [];

    private ScriptedPeer(Socket socket) => _stream = new NetworkStream(socket, ownsSocket: true);

    /// <summary>A peer over any stream (an <see cref="InMemoryNetwork"/> link).</summary>
    public ScriptedPeer(Stream stream) => _stream = stream;

    public Stream Stream => _stream;

    /// <summary>Keep-alives received so far (<see cref="ReceiveAsync"/> skips them).</summary>
    public int KeepAlives { get; private set; }

    /// <summary>Dials the engine, from <paramref name="from"/> (a loopback address of its own, e.g. 127.0.0.66) when given.</summary>
    public static async Task<ScriptedPeer> ConnectAsync(IPEndPoint engine, CancellationToken ct, IPAddress? from = null)
    {
        var socket = new Socket(engine.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (from is not null) socket.Bind(new IPEndPoint(from, 0));
            await socket.ConnectAsync(engine, ct);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new ScriptedPeer(socket);
    }

    /// <summary>
    /// Listens on <paramref name="address"/>:0 (default 127.0.0.1); <see cref="AcceptAsync"/> takes the engine's connection.
    /// A hostile peer listens on a loopback address of its own (all of 127.0.0.0/8 is this machine), so banning its
    /// address does not ban honest peers on 127.0.0.1.
    /// </summary>
    public sealed class Listener(IPAddress? address = null) : IDisposable
    {
        private readonly TcpListener _listener = Started(new TcpListener(address ?? IPAddress.Loopback, 0));

        private static TcpListener Started(TcpListener listener)
        {
            listener.Start();
            return listener;
        }

        public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

        public async Task<ScriptedPeer> AcceptAsync(CancellationToken ct) => new(await _listener.AcceptSocketAsync(ct));

        public void Dispose() => _listener.Stop();
    }

    public async Task SendHandshakeAsync(InfoHash hash, ReservedBits? reserved = null, byte[]? peerId = null)
    {
        var buffer = new byte[Handshake.Length];
        new Handshake(hash, peerId ?? PeerId.Generate(), reserved ?? ReservedBits.Shoal).WriteTo(buffer);
        await _stream.WriteAsync(buffer);
    }

    public async Task<Handshake> ReceiveHandshakeAsync(CancellationToken ct)
    {
        var buffer = new byte[Handshake.Length];
        await _stream.ReadExactlyAsync(buffer, ct);
        return Handshake.Parse(buffer);
    }

    public Task SendAsync(byte[] bytes) => _stream.WriteAsync(bytes).AsTask();

    public Task SendAsync(Func<byte[], int> write)
    {
        var buffer = new byte[64 * 1024];
        int n = write(buffer);
        return _stream.WriteAsync(buffer.AsMemory(0, n)).AsTask();
    }

    /// <summary>Reads the next message (keep-alives skipped); null if the engine closed the connection.</summary>
    public async Task<(MessageId Id, int Index, int Begin, int Length, byte[] Payload)?> ReceiveAsync(CancellationToken ct)
    {
        while (true)
        {
            var sequence = new ReadOnlySequence<byte>(_pending);
            if (MessageReader.TryRead(ref sequence, 1 << 22, out var m))
            {
                var result = (m.Id, m.Index, m.Begin, m.Length, m.Payload.ToArray());
                _pending = sequence.ToArray();
                if (m.Id == MessageId.KeepAlive)
                {
                    KeepAlives++;
                    continue;
                }
                return result;
            }
            var chunk = new byte[64 * 1024];
            int n;
            try { n = await _stream.ReadAsync(chunk, ct); }
            catch (IOException) { return null; }
            if (n == 0) return null;
            _pending = [.. _pending, .. chunk.AsSpan(0, n)];
        }
    }

    /// <summary>Reads until an extended message (BEP 10) arrives: its extended id and payload; null if the engine closed the connection.</summary>
    public async Task<(byte ExtendedId, byte[] Payload)?> ReceiveExtendedAsync(CancellationToken ct)
    {
        while (true)
        {
            var sequence = new ReadOnlySequence<byte>(_pending);
            if (MessageReader.TryRead(ref sequence, 1 << 22, out var m))
            {
                var result = (m.ExtendedId, m.Payload.ToArray());
                bool extended = m.Id == MessageId.Extended;
                _pending = sequence.ToArray();
                if (extended) return result;
                continue;
            }
            var chunk = new byte[64 * 1024];
            int n;
            try { n = await _stream.ReadAsync(chunk, ct); }
            catch (IOException) { return null; }
            if (n == 0) return null;
            _pending = [.. _pending, .. chunk.AsSpan(0, n)];
        }
    }

    /// <summary>Waits (at most 15 s) until a message with the given id arrives; null if the connection closed first.</summary>
    public async Task<(MessageId Id, int Index, int Begin, int Length, byte[] Payload)?> ReceiveUntilAsync(MessageId id, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
        try
        {
            while (await ReceiveAsync(timeout.Token) is { } m)
                if (m.Id == id) return m;
            return null;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"no {id} message within 15 s");
        }
    }

    /// <summary>True once the engine has closed the connection (reads return end of stream).</summary>
    public async Task<bool> WaitClosedAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (await ReceiveAsync(cts.Token) is not null) { }
            return true;
        }
        catch (OperationCanceledException) { return false; }
    }

    public static byte[] Length(uint length)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, length);
        return bytes;
    }

    public ValueTask DisposeAsync() => _stream.DisposeAsync();
}
