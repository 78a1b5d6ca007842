using System.Collections.Concurrent;
using System.Net;
using System.Threading.Channels;

namespace Shoal.Transport.Utp;

/// <summary>
/// uTP (BEP 29) on one <see cref="IDatagramPort"/>, shared with the DHT: dials (<see cref="ConnectAsync"/>), accepts
/// (<see cref="AcceptAsync"/>), and routes every uTP datagram to its connection by connection id and sender. Packets
/// are handled on the port's receive loop; the ACKs a receive batch calls for go out together at its end, and every
/// packet sent on any path is batched per thread and sent in one call where the port can (sendmmsg).
/// Bounded: at most <see cref="UtpOptions.MaxConnections"/> connections and <see cref="UtpOptions.AcceptBacklog"/>
/// waiting to be accepted; per connection, the send and receive buffers of <see cref="UtpOptions"/>.
/// </summary>
public sealed partial class UtpSocketManager : IDatagramBatchHandler, IAsyncDisposable
{
    private readonly IDatagramPort _port;
    private readonly IDisposable _registration;
    private readonly ConcurrentDictionary<ConnectionKey, UtpConnection> _connections = new();
    private readonly Channel<UtpStream> _incoming;
    private readonly List<UtpConnection> _acksOwed = []; // receive loop only
    private readonly ITimer _timer;
    private readonly Lock _tickGate = new();
    private bool _tickArmed;
    private readonly Random _random;
    private readonly Lock _randomLock = new();
    private int _disposed;

    /// <summary>Registers on <paramref name="port"/> for the datagrams that look like uTP.</summary>
    public UtpSocketManager(IDatagramPort port, UtpOptions? options = null)
    {
        _port = port ?? throw new ArgumentNullException(nameof(port));
        Options = options ?? UtpOptions.Default;
        if (Options.PacketSize is < 150 or > DatagramBatch.SlotSize) throw new ArgumentOutOfRangeException(nameof(options), "packet size must be 150 to 2048 bytes");
        if (Options.MaxPacketSize is < 150 or > DatagramBatch.SlotSize) throw new ArgumentOutOfRangeException(nameof(options), "the largest packet size must be 150 to 2048 bytes");
        Clock = new UtpClock(Options.TimeProvider);
        _random = Options.Random ?? new Random();
        _incoming = Channel.CreateUnbounded<UtpStream>(new UnboundedChannelOptions { SingleWriter = false });
        // Armed while there are connections: an idle client (a daemon seeding over TCP, say) is not woken 20 times a second.
        _timer = Options.TimeProvider.CreateTimer(static s => ((UtpSocketManager)s!).OnTick(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _registration = port.Register(this);
    }

    public UtpOptions Options { get; }

    internal UtpClock Clock { get; }

    public IPEndPoint LocalEndPoint => _port.LocalEndPoint;

    /// <summary>Connections known to the manager (connecting, open, closing or lingering).</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>Tests: the connections as they are now.</summary>
    internal IEnumerable<UtpConnection> Connections => _connections.Values;

    private readonly record struct ConnectionKey(IPEndPoint Remote, ushort ReceiveId);

    /// <summary>Opens a connection to <paramref name="remote"/>; throws <see cref="IOException"/> when it is refused (reset) or times out.</summary>
    public async Task<UtpStream> ConnectAsync(IPEndPoint remote, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(remote);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (_connections.Count >= Options.MaxConnections) throw new IOException($"too many uTP connections ({Options.MaxConnections})");
        remote = Normalize(remote);
        UtpConnection connection;
        while (true)
        {
            ushort id = NextRandom();
            if (_connections.ContainsKey(new ConnectionKey(remote, id))) continue;
            long now = Clock.Now;
            connection = UtpConnection.Connect(this, remote, id, NextRandom(), now);
            if (_connections.TryAdd(new ConnectionKey(remote, id), connection)) break;
            connection.ReleaseAll();
        }
        EnsureTicking();
        FlushEmitted();
        try
        {
            while (true)
            {
                lock (connection.Gate)
                {
                    if (connection.State != UtpState.SynSent) break;
                    connection.ConnectSignal.Arm();
                }
                await connection.ConnectSignal.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            Abort(connection, "connect cancelled");
            throw;
        }
        if (connection.State == UtpState.Failed) throw new IOException($"uTP connection to {remote} failed: {connection.Error}");
        return new UtpStream(this, connection);
    }

    /// <summary>The next incoming connection (in the order their SYNs arrived).</summary>
    public async ValueTask<UtpStream> AcceptAsync(CancellationToken cancellationToken = default)
    {
        return await _incoming.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Incoming connections as a channel (for an accept loop that also selects on other work).</summary>
    public ChannelReader<UtpStream> Incoming => _incoming.Reader;

    public bool TryHandle(ReadOnlySpan<byte> datagram, IPEndPoint from)
    {
        if (datagram.Length < UtpHeader.Size || !UtpHeader.LooksLikeUtp(datagram[0])) return false;
        if (_disposed != 0 || !UtpPacket.TryParse(datagram, out var packet)) return true; // uTP-shaped but malformed: dropped
        var header = packet.Header;
        long now = Clock.Now;
        if (header.Type == UtpPacketType.Syn)
        {
            if (_connections.TryGetValue(new ConnectionKey(from, (ushort)(header.ConnectionId + 1)), out var existing)) Deliver(existing, packet, now);
            else AcceptSyn(header, from, now);
            return true;
        }
        if (_connections.TryGetValue(new ConnectionKey(from, header.ConnectionId), out var connection)) Deliver(connection, packet, now);
        else if (header.Type is UtpPacketType.Data or UtpPacketType.Fin) SendStrayReset(header, from, now);
        return true;
    }

    /// <summary>The receive batch is over: send the ACKs it called for, then everything queued, in one go.</summary>
    public void OnBatchEnd()
    {
        if (_acksOwed.Count > 0)
        {
            long now = Clock.Now;
            foreach (var connection in _acksOwed)
            {
                lock (connection.Gate)
                {
                    connection.AckQueued = false;
                    if (connection.AckPending) connection.SendAck(now);
                }
            }
            _acksOwed.Clear();
        }
        FlushEmitted();
    }

    private void Deliver(UtpConnection connection, in UtpPacket packet, long now)
    {
        lock (connection.Gate)
        {
            connection.OnPacket(packet, now);
            if (connection.AckPending && !connection.AckQueued)
            {
                connection.AckQueued = true;
                _acksOwed.Add(connection);
            }
        }
        connection.DeliverWakeups();
    }

    private void AcceptSyn(in UtpHeader syn, IPEndPoint from, long now)
    {
        if (_connections.Count >= Options.MaxConnections || _incoming.Reader.Count >= Options.AcceptBacklog) return; // SYN flood or nobody accepting
        var key = new ConnectionKey(from, (ushort)(syn.ConnectionId + 1));
        var connection = UtpConnection.Accept(this, from, syn, NextRandom(), now);
        if (!_connections.TryAdd(key, connection)) return;
        EnsureTicking();
        connection.AckQueued = true;
        _acksOwed.Add(connection);
        _incoming.Writer.TryWrite(new UtpStream(this, connection));
    }

    /// <summary>
    /// Data for a connection we do not know (we restarted, or forgot it): tell the sender to stop. Its receive id is its
    /// send id minus one if it dialled, plus one if it accepted; a RESET goes to both (each 20 bytes, no amplification).
    /// </summary>
    private void SendStrayReset(in UtpHeader header, IPEndPoint to, long now)
    {
        foreach (int delta in (ReadOnlySpan<int>)[-1, 1])
        {
            var slot = ReserveEmit();
            new UtpHeader(UtpPacketType.Reset, 0, (ushort)(header.ConnectionId + delta), Clock.HeaderMicros(now), 0, 0,
                NextRandom(), header.SequenceNumber).WriteTo(slot);
            CommitEmit(UtpHeader.Size, to);
        }
    }

    private void OnTick()
    {
        if (_disposed != 0) return;
        long now = Clock.Now;
        foreach (var (key, connection) in _connections)
        {
            bool forget;
            lock (connection.Gate) forget = connection.Tick(now);
            connection.DeliverWakeups();
            if (forget) _connections.TryRemove(key, out _);
        }
        FlushEmitted();
        if (_connections.IsEmpty)
        {
            lock (_tickGate)
            {
                // Checked again under the gate: a connection added meanwhile arms (or keeps) the timer in EnsureTicking.
                if (_connections.IsEmpty && _tickArmed)
                {
                    _tickArmed = false;
                    try { _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan); }
                    catch (ObjectDisposedException) { /* shutting down */ }
                }
            }
        }
    }

    /// <summary>A connection was added: make sure the tick runs (always under the gate, so a concurrent disarm cannot win).</summary>
    private void EnsureTicking()
    {
        lock (_tickGate)
        {
            if (_tickArmed || _disposed != 0) return;
            _tickArmed = true;
            try { _timer.Change(Options.TickInterval, Options.TickInterval); }
            catch (ObjectDisposedException) { /* shutting down */ }
        }
    }

    /// <summary>Resets a connection now (a stream disposed abruptly, a cancelled connect).</summary>
    internal void Abort(UtpConnection connection, string reason)
    {
        lock (connection.Gate) connection.Abort(Clock.Now, reason);
        connection.DeliverWakeups();
        FlushEmitted();
    }

    private ushort NextRandom()
    {
        lock (_randomLock) return (ushort)_random.Next(0, 0x10000);
    }

    private static IPEndPoint Normalize(IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _timer.DisposeAsync().ConfigureAwait(false);
        _registration.Dispose();
        long now = Clock.Now;
        foreach (var connection in _connections.Values)
        {
            lock (connection.Gate) connection.Abort(now, "the uTP socket manager was shut down");
            connection.DeliverWakeups();
        }
        FlushEmitted();
        _connections.Clear();
        _incoming.Writer.TryComplete();
        while (_incoming.Reader.TryRead(out var stream)) await stream.DisposeAsync().ConfigureAwait(false);
    }
}
